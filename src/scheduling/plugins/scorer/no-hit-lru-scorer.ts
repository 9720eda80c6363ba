/**
 * no-hit-lru-scorer (upstream name, formula and parameters): spreads "cold" requests, those no
 * candidate holds any prefix of, over the endpoints that received a cold request least recently, so
 * new prefixes (and the KV blocks they fill) are spread evenly, as round-robin would.
 *
 *   cold         = no candidate has a prefix match > 0 (in the index of `prefixCachePlugin`)
 *   warm request = 0.5 for every candidate
 *   cold request, n candidates (n = 1: 1.0):
 *     never-used candidates (not in the LRU), in candidate order i = 0, 1, ...: 1 - i / (n - 1)
 *     used candidates: rank = (never-used count) + position in the LRU (0 = least recently used,
 *                      counted over every endpoint it remembers): max(0, 1 - rank / (n - 1))
 *   after a committed pick of a cold request: the primary becomes the most recently used.
 *
 * The LRU remembers at most `lruSize` endpoints (upstream default 1024). The match lengths come from
 * the prefix-cache plugin's shared lookup (ours: `prefixCachePlugin`, default "prefix-cache-scorer",
 * declared before this scorer), so scoring it first costs no extra index walk.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import type { PickObserver } from "../../framework/pick-observer.js";
import {
  type CycleContext,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../framework/plugin.js";
import { isPrefixIndexOwner, type PrefixIndexOwner } from "../../framework/prefix-index-owner.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";
import { lookupMatchLengths, prefixCacheScorerType } from "./prefix-cache-scorer.js";

export const noHitLruScorerType = "no-hit-lru-scorer";
export const defaultNoHitLruSize = 1024;

const parametersSchema = z.strictObject({
  lruSize: z.number().int().min(1).max(1_000_000).default(defaultNoHitLruSize),
  prefixCachePlugin: z.string().min(1).max(253).default(prefixCacheScorerType),
});

export class NoHitLruScorer implements Scorer, PickObserver {
  readonly type = noHitLruScorerType;
  readonly name: string;
  readonly lruSize: number;
  readonly #owner: PrefixIndexOwner;
  /** Addresses that received a cold request, least recently used first (Map keeps insertion order). */
  readonly #lru = new Map<string, true>();
  /** Reused: address -> position in #lru for one scoring. */
  readonly #positions = new Map<string, number>();
  #addresses: string[] = [];
  #lengths = new Int32Array(16);
  /** Whether the last scored request was cold; read by onPicked in the same decision. */
  #cold = false;

  constructor(name: string, owner: PrefixIndexOwner, lruSize = defaultNoHitLruSize) {
    this.name = name;
    this.#owner = owner;
    this.lruSize = lruSize;
  }

  /** The LRU, least recently used first (for tests and explain). */
  lruOrder(): string[] {
    return [...this.#lru.keys()];
  }

  #isCold(req: SchedulingRequest, endpoints: readonly Endpoint[]): boolean {
    if (req.prefixHashes.length === 0) return true;
    const owner = this.#owner;
    const n = endpoints.length;
    let lengths: Int32Array;
    if (owner.prefixMatchLengths !== undefined) lengths = owner.prefixMatchLengths(req, endpoints);
    else {
      const addresses = this.#addresses;
      addresses.length = n;
      for (let i = 0; i < n; i++) addresses[i] = endpoints[i]!.address;
      if (this.#lengths.length < n) this.#lengths = new Int32Array(n * 2);
      lookupMatchLengths(owner.prefixIndex, req.prefixHashes, addresses, this.#lengths);
      lengths = this.#lengths;
    }
    for (let i = 0; i < n; i++) if (lengths[i]! > 0) return false;
    return true;
  }

  score(_ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const n = endpoints.length;
    this.#cold = this.#isCold(req, endpoints);
    if (!this.#cold) {
      out.fill(0.5, 0, n);
      return;
    }
    if (n === 1) {
      out[0] = 1;
      return;
    }
    const positions = this.#positions;
    positions.clear();
    let p = 0;
    for (const address of this.#lru.keys()) positions.set(address, p++);
    let neverUsed = 0;
    for (let i = 0; i < n; i++) if (!positions.has(endpoints[i]!.address)) neverUsed++;
    let seen = 0;
    for (let i = 0; i < n; i++) {
      const pos = positions.get(endpoints[i]!.address);
      const rank = pos === undefined ? seen++ : neverUsed + pos;
      out[i] = Math.max(0, 1 - rank / (n - 1));
    }
  }

  onPicked(_ctx: CycleContext, _req: SchedulingRequest, picked: readonly Endpoint[]): void {
    if (!this.#cold) return;
    this.#cold = false;
    const address = picked[0]!.address;
    const lru = this.#lru;
    lru.delete(address);
    lru.set(address, true);
    if (lru.size > this.lruSize) lru.delete(lru.keys().next().value!);
  }
}

export const createNoHitLruScorer: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(parametersSchema, name, noHitLruScorerType, parameters);
  const owner = deps.plugin(p.prefixCachePlugin);
  if (!owner || !isPrefixIndexOwner(owner)) {
    throw pluginError(
      name,
      noHitLruScorerType,
      `parameters.prefixCachePlugin: "${p.prefixCachePlugin}" must name a prefix-cache plugin declared before this scorer (${owner ? `"${owner.name}" is a ${owner.type}` : "no plugin of that name"})`,
    );
  }
  return new NoHitLruScorer(name, owner, p.lruSize);
};
