/**
 * sglang-cache-aware-picker: the SGLang router's `cache_aware` policy, re-implemented from its
 * published description for comparison benchmarks. A peer's policy, not a product plugin: registered
 * only in the benchmark's registry (./registry.ts).
 *
 * load = the router's own outstanding requests on the endpoint (`inFlight.requests`), as the SGLang
 * router counts them. If max - min load > balanceAbsThreshold AND max > balanceRelThreshold x min,
 * the least loaded endpoint wins. Otherwise the endpoint with the longest recorded prefix match wins
 * if matched / request blocks > cacheThreshold; else the endpoint with the smallest tree. After a
 * committed pick the prompt is recorded for the primary endpoint.
 *
 * Approximation: SGLang keeps a per-worker radix tree of request text (characters) with LRU eviction
 * down to `max_tree_size`; here the tree is the prefix index of chained 64-character block hashes
 * (the same hashes prefix-cache-scorer uses) with an LRU of `maxTreeSize` blocks per endpoint, so a
 * match is counted in whole blocks, and a tree's size is the number of distinct blocks recorded for
 * it (capped at `maxTreeSize`). It owns that index (PrefixIndexOwner): the scheduler hashes requests
 * with its blockSize and purges the index, and the tree sizes with it, when endpoints leave.
 *
 * Parameters: cacheThreshold (0.5), balanceAbsThreshold (32), balanceRelThreshold (1.5),
 * maxTreeSize (blocks per endpoint, 31,250), blockSize (characters per block, 64),
 * maxPrefixBlocksToMatch (256).
 */
import { z } from "zod";
import type { PickObserver } from "../../../src/scheduling/framework/pick-observer.js";
import type { Picker } from "../../../src/scheduling/framework/picker.js";
import {
  type CycleContext,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../../src/scheduling/framework/plugin.js";
import type { PrefixIndexOwner } from "../../../src/scheduling/framework/prefix-index-owner.js";
import type { PrefixIndex, PrefixIndexOptions } from "../../../src/scheduling/prefix-index.js";
import type { SchedulingRequest } from "../../../src/scheduling/types.js";
import type { Endpoint } from "../../../src/state/types.js";

export const sglangCacheAwarePickerType = "sglang-cache-aware-picker";

const parametersSchema = z.strictObject({
  cacheThreshold: z.number().min(0).max(1).default(0.5),
  balanceAbsThreshold: z.number().int().min(0).max(1_000_000).default(32),
  balanceRelThreshold: z.number().min(1).max(1_000).default(1.5),
  maxTreeSize: z.number().int().min(1).max(100_000_000).default(31_250),
  blockSize: z.number().int().min(1).max(1_000_000).default(64),
  maxPrefixBlocksToMatch: z.number().int().min(1).max(100_000).default(256),
});

/** The policy's parameters (SGLang router names, camel-cased). */
export type SglangCacheAwareParameters = z.output<typeof parametersSchema>;

export class SglangCacheAwarePicker implements Picker, PickObserver, PrefixIndexOwner {
  readonly type = sglangCacheAwarePickerType;
  readonly name: string;
  readonly maxNumOfEndpoints = 1;
  readonly usesScores = false;
  readonly params: SglangCacheAwareParameters;
  /** The index, seen by the scheduler: its purge also forgets the departed endpoints' tree sizes. */
  readonly prefixIndex: PrefixIndex;
  readonly prefixHashing: PrefixIndexOptions;
  readonly #index: PrefixIndex;
  /** Distinct blocks recorded per endpoint (the tree size), capped at maxTreeSize. */
  readonly #treeSize = new Map<string, number>();
  #addresses: string[] = [];
  #lastMatches: Map<string, number> | undefined;

  constructor(name: string, params: SglangCacheAwareParameters, index: PrefixIndex) {
    this.name = name;
    this.params = params;
    this.#index = index;
    this.prefixHashing = {
      blockSize: params.blockSize,
      maxPrefixBlocksToMatch: params.maxPrefixBlocksToMatch,
      lruCapacityPerServer: params.maxTreeSize,
    };
    const treeSize = this.#treeSize;
    this.prefixIndex = {
      matchLengths: (hashes, addresses) => index.matchLengths(hashes, addresses),
      record: (address, hashes) => index.record(address, hashes),
      purge: (keep) => {
        index.purge(keep);
        for (const address of treeSize.keys()) if (!keep(address)) treeSize.delete(address);
      },
      size: () => index.size(),
    };
  }

  /** Blocks recorded for `address` (the approximate tree size). */
  treeSize(address: string): number {
    return this.#treeSize.get(address) ?? 0;
  }

  pick(ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): Endpoint[] {
    const n = endpoints.length;
    this.#lastMatches = undefined;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const load = endpoints[i]!.inFlight.requests;
      if (load < min) min = load;
      if (load > max) max = load;
    }
    const p = this.params;
    if (max - min > p.balanceAbsThreshold && max > p.balanceRelThreshold * min) {
      return [lowest(endpoints, (e) => e.inFlight.requests, ctx)];
    }
    const total = req.prefixHashes.length;
    if (total > 0) {
      const addresses = this.#addresses;
      addresses.length = n;
      for (let i = 0; i < n; i++) addresses[i] = endpoints[i]!.address;
      const matches = this.#index.matchLengths(req.prefixHashes, addresses);
      this.#lastMatches = matches;
      let best = -1;
      let bestMatch = 0;
      for (let i = 0; i < n; i++) {
        const m = matches.get(addresses[i]!) ?? 0;
        if (m > bestMatch) {
          bestMatch = m;
          best = i;
        }
      }
      if (best >= 0 && bestMatch / total > p.cacheThreshold) return [endpoints[best]!];
    }
    return [lowest(endpoints, (e) => this.treeSize(e.address), ctx)];
  }

  onPicked(_ctx: CycleContext, req: SchedulingRequest, picked: readonly Endpoint[]): void {
    const hashes = req.prefixHashes;
    const primary = picked[0]!.address;
    const matched =
      this.#lastMatches?.get(primary) ?? this.#index.matchLengths(hashes, [primary]).get(primary);
    this.#lastMatches = undefined;
    if (hashes.length === 0) return;
    this.#index.record(primary, hashes);
    const grown = this.treeSize(primary) + hashes.length - (matched ?? 0);
    this.#treeSize.set(primary, Math.min(this.params.maxTreeSize, grown));
  }
}

/** The endpoint with the lowest value; ties at random (reservoir sampling, draws only on ties). */
function lowest(endpoints: readonly Endpoint[], value: (e: Endpoint) => number, ctx: CycleContext): Endpoint {
  let best = 0;
  let bestValue = Number.POSITIVE_INFINITY;
  let ties = 0;
  for (let i = 0; i < endpoints.length; i++) {
    const v = value(endpoints[i]!);
    if (v < bestValue) {
      bestValue = v;
      best = i;
      ties = 1;
    } else if (v === bestValue && ctx.random.next() * ++ties < 1) {
      best = i;
    }
  }
  return endpoints[best]!;
}

export const createSglangCacheAwarePicker: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(parametersSchema, name, sglangCacheAwarePickerType, parameters);
  if (!deps.prefixIndexFactory) {
    throw pluginError(name, sglangCacheAwarePickerType, "needs a prefix index factory");
  }
  const index = deps.prefixIndexFactory({
    blockSize: p.blockSize,
    maxPrefixBlocksToMatch: p.maxPrefixBlocksToMatch,
    lruCapacityPerServer: p.maxTreeSize,
  });
  return new SglangCacheAwarePicker(name, p, index);
};
