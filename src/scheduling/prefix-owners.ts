/**
 * Collects the plugins that own a prefix index and decides how requests are hashed for them.
 *
 * One hashing per scheduler, and a config whose owners disagree is refused at load, rather than
 * hashing each request once per distinct option set. Why: the default path (one prefix-cache-scorer)
 * costs the same either way, but per-option hashing would make every request carry a map of hash
 * lists, make every owner look its list up on each call, and make the request pipeline hash a prompt
 * several times, all for configs nobody runs: upstream feeds every prefix consumer from ONE producer
 * (approx-prefix-cache-producer) with one block size. A refusal naming both plugins tells the user
 * what to align, and `prefixIndexOptions` stays the one fact the request pipeline needs.
 */
import { RouterError } from "../core/errors.js";
import type { Plugin } from "./framework/plugin.js";
import { isPrefixIndexOwner, type PrefixIndexOwner } from "./framework/prefix-index-owner.js";
import type { PrefixIndexOptions } from "./prefix-index.js";

/** The options that change how a prompt is hashed (the LRU capacity does not). */
const hashingKeys = ["blockSize", "maxPrefixBlocksToMatch"] as const;

/** Every prefix-index owner among `plugins`, and the hashing they share. */
export interface PrefixOwners {
  owners: readonly PrefixIndexOwner[];
  /** The first owner's options; undefined when no plugin owns a prefix index. */
  hashing: PrefixIndexOptions | undefined;
}

/**
 * @throws RouterError("BadRequest") when two owners hash prompts differently, naming both plugins and
 * both values.
 */
export function collectPrefixOwners(plugins: Iterable<Plugin>): PrefixOwners {
  const owners: PrefixIndexOwner[] = [];
  for (const p of plugins) if (isPrefixIndexOwner(p)) owners.push(p);
  const first = owners[0];
  if (!first) return { owners, hashing: undefined };
  for (const other of owners.slice(1)) {
    for (const key of hashingKeys) {
      const a = first.prefixHashing[key];
      const b = other.prefixHashing[key];
      if (a === b) continue;
      throw new RouterError(
        "BadRequest",
        `plugins "${first.name}" (${first.type}, ${key} ${a}) and "${other.name}" (${other.type}, ${key} ${b}) hash prompts differently: requests are hashed once per scheduler, so every plugin with a prefix index must use the same ${key}`,
        `plugins.${other.name}.parameters.${key}`,
      );
    }
  }
  return { owners, hashing: first.prefixHashing };
}
