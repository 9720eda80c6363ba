/**
 * prefix-cache-scorer: prefers endpoints that probably still hold the prompt's leading blocks in
 * their KV cache. score = matched blocks / total blocks of the request (0 for a request without
 * hashes). After a committed pick it records the prompt's blocks for the primary endpoint. It owns
 * its index (PrefixIndexOwner): the scheduler hashes requests with its blockSize and purges the index
 * when endpoints leave.
 *
 * Parameters (upstream names; they configure the index): blockSize (characters per block, 64),
 * maxPrefixBlocksToMatch (256), lruCapacityPerServer (31,250 blocks). Ours: kvFullHitWeight (1 =
 * upstream): a hit on an endpoint that cannot start the request now scores that fraction of its match,
 * while another candidate can:
 *
 *   full(e) = effective KV tokens(e) + promptTokens > numBlocks x blockSize   (hasKvHeadroom is false:
 *             pushed KV usage + the router's tokens sent since that push; no KV geometry = never full)
 *   guarded(e) = full(e) and promptTokens >= kvFullMinPromptShare x numBlocks x blockSize
 *   score(e) = match(e) x (guarded(e) and some candidate is not full ? kvFullHitWeight : 1)
 *
 * kvFullMinPromptShare (0) limits the guard to prompts that are a real share of the KV: there a full
 * holder frees room only when a whole request ends, while on a large KV many short requests free it
 * within a step and the prefill the hit saves is worth the short wait (session 6 matrix analysis).
 *
 * On a KV-bound pool a hit pulls requests into a full holder's queue (they wait for blocks or preempt)
 * while another endpoint starts them at once; a weaker pull lets the load scorers win there. The
 * whole prompt, not its uncached part, because the request also grows by its output.
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
import { hasKvHeadroom } from "../filter/kv-headroom-filter.js";

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
  kvFullHitWeight: z.number().min(0).max(1).default(1),
  kvFullMinPromptShare: z.number().min(0).max(1).default(0),
});

/**
 * The match length of each of `addresses` (aligned, 0 = none) into `out`: through the index's
 * `matchLengthsInto` when it has one, else through its Map-returning `matchLengths`.
 */
export function lookupMatchLengths(
  index: PrefixIndex,
  hashes: readonly number[],
  addresses: readonly string[],
  out: Int32Array,
): void {
  if (index.matchLengthsInto !== undefined) {
    index.matchLengthsInto(hashes, addresses, out);
    return;
  }
  const matches = index.matchLengths(hashes, addresses);
  for (let i = 0; i < addresses.length; i++) out[i] = matches.get(addresses[i]!) ?? 0;
}

/** `buffer` when it holds `n`, else a larger one. */
function ensure(buffer: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  return buffer.length >= n ? buffer : new Int32Array(Math.max(16, n * 2));
}

/** Report the index size once in this many records (size() may walk the index). */
const sizeSampleEvery = 256;

export class PrefixCacheScorer implements Scorer, PickObserver, PrefixIndexOwner {
  readonly type = prefixCacheScorerType;
  readonly name: string;
  readonly prefixIndex: PrefixIndex;
  readonly prefixHashing: PrefixIndexOptions;
  readonly #metrics: SchedulerMetrics;
  /** The last lookup (the memo): its request, addresses and match lengths, aligned. */
  #memoReq: SchedulingRequest | undefined;
  #addresses: string[] = [];
  #lengths = new Int32Array(16);
  /** The memo's lengths for a subsequence of its addresses. */
  #sub = new Int32Array(16);
  /** The endpoints of the last score() and their match lengths; read by onPicked in the same decision. */
  #lastEndpoints: readonly Endpoint[] | undefined;
  #lastLengths = new Int32Array(16);
  #records = 0;
  /** Share of a hit's score on an endpoint without KV room for the prompt (ours; 1 = upstream). */
  readonly kvFullHitWeight: number;
  /** The guard applies only where the prompt is at least this share of the endpoint's KV (ours). */
  readonly kvFullMinPromptShare: number;

  constructor(
    name: string,
    index: PrefixIndex,
    options: PrefixIndexOptions,
    metrics: SchedulerMetrics,
    kvFullHitWeight = 1,
    kvFullMinPromptShare = 0,
  ) {
    this.name = name;
    this.prefixIndex = index;
    this.prefixHashing = options;
    this.#metrics = metrics;
    this.kvFullHitWeight = kvFullHitWeight;
    this.kvFullMinPromptShare = kvFullMinPromptShare;
  }

  /**
   * The index's match lengths for `req` on `endpoints`, aligned. A prefix-cache-affinity-filter reads
   * them first over every candidate; the score that follows in the same decision reuses that lookup
   * when its endpoints are among those (filters keep order, so a subsequence walk maps them). The memo
   * is cleared by the score that reads it and by onPicked, the only place the index changes during a
   * decision. The array returned is reused by the next call.
   */
  prefixMatchLengths(req: SchedulingRequest, endpoints: readonly Endpoint[]): Int32Array {
    const n = endpoints.length;
    if (this.#memoReq === req) {
      const mapped = this.#fromMemo(endpoints);
      if (mapped !== undefined) return mapped;
    }
    const addresses = this.#addresses;
    addresses.length = n;
    for (let i = 0; i < n; i++) addresses[i] = endpoints[i]!.address;
    this.#lengths = ensure(this.#lengths, n);
    lookupMatchLengths(this.prefixIndex, req.prefixHashes, addresses, this.#lengths);
    this.#memoReq = req;
    return this.#lengths;
  }

  /** The memo's lengths for `endpoints` when their addresses appear, in order, among the memo's. */
  #fromMemo(endpoints: readonly Endpoint[]): Int32Array | undefined {
    const n = endpoints.length;
    const addresses = this.#addresses;
    const m = addresses.length;
    if (n > m) return undefined;
    if (n === m) {
      for (let i = 0; i < n; i++) if (endpoints[i]!.address !== addresses[i]) return undefined;
      return this.#lengths;
    }
    const lengths = this.#lengths;
    this.#sub = ensure(this.#sub, n);
    const sub = this.#sub;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const a = endpoints[i]!.address;
      while (j < m && addresses[j] !== a) j++;
      if (j === m) return undefined;
      sub[i] = lengths[j]!;
      j++;
    }
    return sub;
  }

  score(_ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const n = endpoints.length;
    const total = Math.min(req.prefixHashes.length, this.prefixHashing.maxPrefixBlocksToMatch);
    if (total === 0) {
      out.fill(0, 0, n);
      this.#lastEndpoints = undefined;
      this.#memoReq = undefined;
      return;
    }
    const lengths = this.prefixMatchLengths(req, endpoints);
    this.#memoReq = undefined;
    this.#lastLengths = ensure(this.#lastLengths, n);
    const last = this.#lastLengths;
    const w = this.kvFullHitWeight;
    let guard = false;
    if (w < 1) {
      for (let i = 0; i < n && !guard; i++) guard = hasKvHeadroom(endpoints[i]!, req.promptTokens, 1);
    }
    for (let i = 0; i < n; i++) {
      const m = lengths[i]!;
      last[i] = m;
      out[i] = m > 0 && guard && this.#full(endpoints[i]!, req.promptTokens) ? (w * m) / total : m / total;
    }
    this.#lastEndpoints = endpoints;
  }

  /** No KV room for the prompt, and the prompt is at least kvFullMinPromptShare of the KV. */
  #full(e: Endpoint, promptTokens: number): boolean {
    const m = e.metrics;
    return (
      !hasKvHeadroom(e, promptTokens, 1) &&
      promptTokens >= this.kvFullMinPromptShare * m.numBlocks * m.blockSize
    );
  }

  onPicked(_ctx: CycleContext, req: SchedulingRequest, picked: readonly Endpoint[]): void {
    const hashes = req.prefixHashes;
    if (hashes.length === 0) return;
    const primary = picked[0]!.address;
    const total = Math.min(hashes.length, this.prefixHashing.maxPrefixBlocksToMatch);
    let matched = 0;
    const last = this.#lastEndpoints;
    if (last !== undefined) {
      for (let i = 0; i < last.length; i++) {
        if (last[i]!.address === primary) {
          matched = this.#lastLengths[i]!;
          break;
        }
      }
    }
    this.#lastEndpoints = undefined;
    this.#memoReq = undefined;
    this.#metrics.observePrefixHitRatio(Math.min(matched, total) / total);
    this.prefixIndex.record(primary, hashes);
    if (++this.#records % sizeSampleEvery === 1) {
      const s = this.prefixIndex.size();
      this.#metrics.setPrefixIndexSize(s.entries, s.bytes);
    }
  }
}

export const createPrefixCacheScorer: PluginFactory = (name, parameters, deps) => {
  const { kvFullHitWeight, kvFullMinPromptShare, ...options } = parsePluginParameters(
    parametersSchema,
    name,
    prefixCacheScorerType,
    parameters,
  );
  if (!deps.prefixIndexFactory) {
    throw pluginError(
      name,
      prefixCacheScorerType,
      "needs a prefix index, but the scheduler was built without one (createScheduler option prefixIndexFactory)",
    );
  }
  return new PrefixCacheScorer(
    name,
    deps.prefixIndexFactory(options),
    options,
    deps.metrics,
    kvFullHitWeight,
    kvFullMinPromptShare,
  );
};
