/**
 * prefix-cache-affinity-filter (upstream name and parameters): keeps the "sticky" endpoints, those
 * whose prefix match (matched blocks / request blocks, as prefix-cache-scorer scores it) is at least
 * `affinityThreshold`, unless stickiness costs more than it saves; otherwise keeps every endpoint.
 *
 *   sticky      = { e : match(e) >= affinityThreshold }; none => all
 *   ttft(e)     = outstanding tokens of e / peakPrefillThroughput x 1000 (ms)
 *   penalty     = min ttft over sticky - min ttft over the others
 *   allowed     = maxTTFTPenaltyMs, and with capBySavedPrefill also at most the prefill the best
 *                 sticky endpoint's hit saves (matched share x promptTokens / peakPrefillThroughput)
 *   result      = all when penalty > allowed, or with probability explorationProbability; else sticky
 *
 * Differences from upstream: the TTFT estimate uses the router's outstanding tokens folded with the
 * pushed KV tokens (outstandingTokens: prompt + expected output until the request ends), not the
 * uncached prompt tokens until the first chunk, so it overstates queueing; the default profile sets
 * its own penalty. `capBySavedPrefill` (ours, default false = upstream) makes affinity pay for itself:
 * a hit is worth the prefill it saves, never more. The match comes from the prefix index of
 * `prefixCachePlugin` (ours, default "prefix-cache-scorer"), which must be declared before this filter.
 *
 * Parameters: affinityThreshold (0.80), explorationProbability (0), maxTTFTPenaltyMs (18,000),
 * peakPrefillThroughput (15,928 tokens/s), capBySavedPrefill (false), prefixCachePlugin.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import type { Filter } from "../../framework/filter.js";
import {
  type CycleContext,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../framework/plugin.js";
import { isPrefixIndexOwner, type PrefixIndexOwner } from "../../framework/prefix-index-owner.js";
import type { SchedulingRequest } from "../../types.js";
import { outstandingTokens } from "../scorer/outstanding-tokens-scorer.js";
import { lookupMatchLengths, prefixCacheScorerType } from "../scorer/prefix-cache-scorer.js";

export const prefixCacheAffinityFilterType = "prefix-cache-affinity-filter";

const parametersSchema = z.strictObject({
  affinityThreshold: z.number().min(0).max(1).default(0.8),
  explorationProbability: z.number().min(0).max(1).default(0),
  maxTTFTPenaltyMs: z.number().min(0).max(1e9).default(18_000),
  peakPrefillThroughput: z.number().min(1).max(1e12).default(15_928),
  capBySavedPrefill: z.boolean().default(false),
  prefixCachePlugin: z.string().min(1).max(253).default(prefixCacheScorerType),
});

/** The filter's settings (the parsed parameters without the plugin reference). */
export interface PrefixCacheAffinityOptions {
  affinityThreshold: number;
  explorationProbability: number;
  maxTTFTPenaltyMs: number;
  peakPrefillThroughput: number;
  capBySavedPrefill: boolean;
}

export class PrefixCacheAffinityFilter implements Filter {
  readonly type = prefixCacheAffinityFilterType;
  readonly name: string;
  readonly options: PrefixCacheAffinityOptions;
  readonly #owner: PrefixIndexOwner;
  #addresses: string[] = [];
  #lengths = new Int32Array(16);

  /** Match lengths aligned with `endpoints`: through the owner when it shares its lookup with its own score (prefix-cache-scorer does). */
  #matchLengths(req: SchedulingRequest, endpoints: readonly Endpoint[]): Int32Array {
    const owner = this.#owner;
    if (owner.prefixMatchLengths !== undefined) return owner.prefixMatchLengths(req, endpoints);
    const n = endpoints.length;
    const addresses = this.#addresses;
    addresses.length = n;
    for (let i = 0; i < n; i++) addresses[i] = endpoints[i]!.address;
    if (this.#lengths.length < n) this.#lengths = new Int32Array(n * 2);
    lookupMatchLengths(owner.prefixIndex, req.prefixHashes, addresses, this.#lengths);
    return this.#lengths;
  }

  constructor(name: string, owner: PrefixIndexOwner, options: PrefixCacheAffinityOptions) {
    this.name = name;
    this.#owner = owner;
    this.options = options;
  }

  filter(ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const o = this.options;
    const total = Math.min(req.prefixHashes.length, this.#owner.prefixHashing.maxPrefixBlocksToMatch);
    if (total === 0) return endpoints;
    if (o.explorationProbability > 0 && ctx.random.next() < o.explorationProbability) return endpoints;
    const n = endpoints.length;
    const lengths = this.#matchLengths(req, endpoints);
    const sticky: Endpoint[] = [];
    let bestSticky = Number.POSITIVE_INFINITY;
    let bestStickyShare = 0;
    let bestOther = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const e = endpoints[i]!;
      const share = Math.min(lengths[i]!, total) / total;
      const load = outstandingTokens(e);
      if (share >= o.affinityThreshold) {
        sticky.push(e);
        if (load < bestSticky || (load === bestSticky && share > bestStickyShare)) {
          bestSticky = load;
          bestStickyShare = share;
        }
      } else if (load < bestOther) {
        bestOther = load;
      }
    }
    if (sticky.length === 0 || sticky.length === n) return endpoints;
    const toMs = 1000 / o.peakPrefillThroughput;
    const penaltyMs = (bestSticky - bestOther) * toMs;
    let allowedMs = o.maxTTFTPenaltyMs;
    if (o.capBySavedPrefill) allowedMs = Math.min(allowedMs, bestStickyShare * req.promptTokens * toMs);
    return penaltyMs > allowedMs ? endpoints : sticky;
  }
}

export const createPrefixCacheAffinityFilter: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(parametersSchema, name, prefixCacheAffinityFilterType, parameters);
  const owner = deps.plugin(p.prefixCachePlugin);
  if (!owner || !isPrefixIndexOwner(owner)) {
    throw pluginError(
      name,
      prefixCacheAffinityFilterType,
      `parameters.prefixCachePlugin: "${p.prefixCachePlugin}" must name a prefix-cache plugin declared before this filter (${owner ? `"${owner.name}" is a ${owner.type}` : "no plugin of that name"})`,
    );
  }
  const { prefixCachePlugin: _, ...options } = p;
  return new PrefixCacheAffinityFilter(name, owner, options);
};
