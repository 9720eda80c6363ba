/**
 * prefix-based-pd-decider (upstream name): disaggregates a request when the part of its prompt the
 * chosen decode endpoint has NOT cached is long enough to be worth a separate prefill:
 *
 *   uncached = promptTokens - cached tokens on the decode endpoint (prefix index match)
 *   disaggregate  <=>  nonCachedTokens > 0  and  promptTokens >= promptTokens(param)  and  uncached >= nonCachedTokens
 *
 * Parameters (upstream's, same defaults): `nonCachedTokens` (0 = disabled: never disaggregate),
 * `promptTokens` (0 = no minimum prompt length). Ours: `prefixCachePlugin` (default
 * "prefix-cache-scorer"), the plugin whose prefix index says what the decode endpoint holds; when the
 * config declares no plugin of the default name, nothing counts as cached. Cached tokens = matched
 * blocks x block size (characters) / 4, the router's token estimate.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import type { PdDecider, PdDecision } from "../../framework/pd-decider.js";
import {
  type CycleContext,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../framework/plugin.js";
import { isPrefixIndexOwner, type PrefixIndexOwner } from "../../framework/prefix-index-owner.js";
import type { SchedulingRequest } from "../../types.js";
import { prefixCacheScorerType } from "../scorer/prefix-cache-scorer.js";

export const prefixBasedPdDeciderType = "prefix-based-pd-decider";

/** Characters per token in the router's estimates (src/request). */
const CHARS_PER_TOKEN = 4;

const schema = z.strictObject({
  nonCachedTokens: z.number().int().min(0).max(10_000_000).default(0),
  promptTokens: z.number().int().min(0).max(10_000_000).default(0),
  prefixCachePlugin: z.string().min(1).max(253).optional(),
});

export interface PrefixBasedPdOptions {
  nonCachedTokens: number;
  promptTokens: number;
}

export class PrefixBasedPdDecider implements PdDecider {
  readonly type = prefixBasedPdDeciderType;
  readonly name: string;
  readonly options: PrefixBasedPdOptions;
  readonly #owner: PrefixIndexOwner | undefined;
  readonly #address: string[] = [""];

  constructor(name: string, options: PrefixBasedPdOptions, owner?: PrefixIndexOwner) {
    this.name = name;
    this.options = options;
    this.#owner = owner;
  }

  /** Prompt tokens `decode` holds, by the prefix index (0 without one). */
  cachedTokens(request: SchedulingRequest, decode: Endpoint): number {
    const owner = this.#owner;
    if (!owner || request.prefixHashes.length === 0) return 0;
    this.#address[0] = decode.address;
    const blocks =
      owner.prefixIndex.matchLengths(request.prefixHashes, this.#address).get(decode.address) ?? 0;
    const tokens = (blocks * owner.prefixHashing.blockSize) / CHARS_PER_TOKEN;
    return Math.min(request.promptTokens, Math.round(tokens));
  }

  decide(_ctx: CycleContext, request: SchedulingRequest, decode: Endpoint): PdDecision {
    const o = this.options;
    if (o.nonCachedTokens === 0) return { disaggregate: false, reason: "nonCachedTokens 0 (disabled)" };
    if (request.promptTokens < o.promptTokens) {
      return {
        disaggregate: false,
        reason: `prompt ${request.promptTokens} tokens < promptTokens ${o.promptTokens}`,
      };
    }
    const cached = this.cachedTokens(request, decode);
    const uncached = request.promptTokens - cached;
    const yes = uncached >= o.nonCachedTokens;
    return {
      disaggregate: yes,
      reason: `uncached ${uncached} tokens ${yes ? ">=" : "<"} nonCachedTokens ${o.nonCachedTokens}`,
      cachedTokens: cached,
    };
  }
}

export const createPrefixBasedPdDecider: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(schema, name, prefixBasedPdDeciderType, parameters);
  const ref = p.prefixCachePlugin ?? prefixCacheScorerType;
  const owner = deps.plugin(ref);
  if (owner !== undefined && !isPrefixIndexOwner(owner)) {
    throw pluginError(
      name,
      prefixBasedPdDeciderType,
      `parameters.prefixCachePlugin: "${ref}" is a ${owner.type}, not a plugin with a prefix index`,
    );
  }
  if (owner === undefined && p.prefixCachePlugin !== undefined) {
    throw pluginError(
      name,
      prefixBasedPdDeciderType,
      `parameters.prefixCachePlugin: "${ref}" names no plugin declared before this decider`,
    );
  }
  return new PrefixBasedPdDecider(
    name,
    { nonCachedTokens: p.nonCachedTokens, promptTokens: p.promptTokens },
    owner,
  );
};
