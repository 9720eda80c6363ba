/**
 * prefix-cache-scorer: prefers endpoints that probably still hold the prompt's leading blocks in
 * their KV cache. score = matched blocks / total blocks of the request (0 for a request without
 * hashes). After a committed pick it records the prompt's blocks for the primary endpoint. It owns
 * its index (PrefixIndexOwner): the scheduler hashes requests with its blockSize and purges the index
 * when endpoints leave.
 *
 * Parameters (upstream names; they configure the index): blockSize (characters per block, 64),
 * maxPrefixBlocksToMatch (256), lruCapacityPerServer (31,250 blocks).
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
import type { PrefixIndexOwner } from "../../framework/prefix-index-owner.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulerMetrics } from "../../metrics.js";
import type { PrefixIndex, PrefixIndexOptions } from "../../prefix-index.js";
import type { SchedulingRequest } from "../../types.js";

export const prefixCacheScorerType = "prefix-cache-scorer";

export const prefixCacheDefaults: PrefixIndexOptions = {
  blockSize: 64,
  maxPrefixBlocksToMatch: 256,
  lruCapacityPerServer: 31_250,
};

const parametersSchema = z.strictObject({
  blockSize: z.number().int().min(1).max(1_000_000).default(prefixCacheDefaults.blockSize),
  maxPrefixBlocksToMatch: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(prefixCacheDefaults.maxPrefixBlocksToMatch),
  lruCapacityPerServer: z
    .number()
    .int()
    .min(1)
    .max(100_000_000)
    .default(prefixCacheDefaults.lruCapacityPerServer),
});

/** Whether `endpoints`' addresses appear, in order, in `addresses`. */
function isSubsequence(endpoints: readonly Endpoint[], addresses: readonly string[]): boolean {
  let j = 0;
  for (let i = 0; i < endpoints.length; i++) {
    const a = endpoints[i]!.address;
    while (j < addresses.length && addresses[j] !== a) j++;
    if (j === addresses.length) return false;
    j++;
  }
  return true;
}

/** Report the index size once in this many records (size() may walk the index). */
const sizeSampleEvery = 256;

export class PrefixCacheScorer implements Scorer, PickObserver, PrefixIndexOwner {
  readonly type = prefixCacheScorerType;
  readonly name: string;
  readonly prefixIndex: PrefixIndex;
  readonly prefixHashing: PrefixIndexOptions;
  readonly #metrics: SchedulerMetrics;
  #addresses: string[] = [];
  /** Matches from the last score() call; read by onPicked in the same synchronous decision. */
  #lastMatches: ReadonlyMap<string, number> | undefined;
  /** The last prefixMatches lookup, for the score that follows it in the same decision. */
  #memo: { req: SchedulingRequest; addresses: string[]; matches: ReadonlyMap<string, number> } | undefined;
  #records = 0;

  constructor(name: string, index: PrefixIndex, options: PrefixIndexOptions, metrics: SchedulerMetrics) {
    this.name = name;
    this.prefixIndex = index;
    this.prefixHashing = options;
    this.#metrics = metrics;
  }

  /**
   * The index's matches for `req` on `endpoints`. A prefix-cache-affinity-filter reads them first over
   * every candidate; the score that follows in the same decision reuses that lookup when its endpoints
   * are among those (filters keep order, so a subsequence check suffices). The memo is cleared by the
   * score that reads it and by onPicked, the only place the index changes during a decision.
   */
  prefixMatches(req: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    const memo = this.#memo;
    if (memo !== undefined && memo.req === req && isSubsequence(endpoints, memo.addresses))
      return memo.matches;
    // One buffer, reused: a memo lives only until the next lookup.
    const addresses = this.#addresses;
    const n = endpoints.length;
    addresses.length = n;
    for (let i = 0; i < n; i++) addresses[i] = endpoints[i]!.address;
    const matches = this.prefixIndex.matchLengths(req.prefixHashes, addresses);
    this.#memo = { req, addresses, matches };
    return matches;
  }

  score(_ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const n = endpoints.length;
    const total = Math.min(req.prefixHashes.length, this.prefixHashing.maxPrefixBlocksToMatch);
    if (total === 0) {
      out.fill(0, 0, n);
      this.#lastMatches = undefined;
      this.#memo = undefined;
      return;
    }
    const matches = this.prefixMatches(req, endpoints);
    this.#memo = undefined;
    this.#lastMatches = matches;
    for (let i = 0; i < n; i++) out[i] = (matches.get(endpoints[i]!.address) ?? 0) / total;
  }

  onPicked(_ctx: CycleContext, req: SchedulingRequest, picked: readonly Endpoint[]): void {
    const hashes = req.prefixHashes;
    if (hashes.length === 0) return;
    const primary = picked[0]!.address;
    const total = Math.min(hashes.length, this.prefixHashing.maxPrefixBlocksToMatch);
    const matched = this.#lastMatches?.get(primary) ?? 0;
    this.#lastMatches = undefined;
    this.#memo = undefined;
    this.#metrics.observePrefixHitRatio(Math.min(matched, total) / total);
    this.prefixIndex.record(primary, hashes);
    if (++this.#records % sizeSampleEvery === 1) {
      const s = this.prefixIndex.size();
      this.#metrics.setPrefixIndexSize(s.entries, s.bytes);
    }
  }
}

export const createPrefixCacheScorer: PluginFactory = (name, parameters, deps) => {
  const options = parsePluginParameters(parametersSchema, name, prefixCacheScorerType, parameters);
  if (!deps.prefixIndexFactory) {
    throw pluginError(
      name,
      prefixCacheScorerType,
      "needs a prefix index, but the scheduler was built without one (createScheduler option prefixIndexFactory)",
    );
  }
  return new PrefixCacheScorer(name, deps.prefixIndexFactory(options), options, deps.metrics);
};
