/**
 * Capability: a plugin that keeps its own prefix index (prefix-cache-scorer, or a custom plugin that
 * remembers which endpoint holds which prompt blocks). The scheduler finds these by this declaration,
 * not by class, so every index is purged when endpoints leave and every owner reads hashes made the
 * same way.
 */
import type { Endpoint } from "../../state/types.js";
import type { PrefixIndex, PrefixIndexOptions } from "../prefix-index.js";
import type { SchedulingRequest } from "../types.js";
import type { Plugin } from "./plugin.js";

/**
 * Contract:
 * - `prefixIndex` is keyed by `request.prefixHashes`. The request side hashes a prompt ONCE per
 *   scheduler, with the scheduler's `prefixIndexOptions` (the first owner's `prefixHashing`); the
 *   scheduler refuses a config whose owners disagree on `blockSize` or `maxPrefixBlocksToMatch`, so an
 *   owner's `prefixHashing` is exactly how the hashes it sees were made.
 * - The scheduler calls `prefixIndex.purge(keep)` when endpoints leave every pool (a push without
 *   them, expiry, a pool removed from config). An owner that keeps other per-endpoint state next to the
 *   index drops it in the same call (wrap the index's `purge`).
 * - Only `onPicked` of a non-dry run may record into the index (see PickObserver).
 */
export interface PrefixIndexOwner extends Plugin {
  readonly prefixIndex: PrefixIndex;
  /** The options the index was built with; `blockSize` and `maxPrefixBlocksToMatch` say how requests are hashed. */
  readonly prefixHashing: PrefixIndexOptions;
  /**
   * Optional: the index's match length, in blocks, for `request` on each of `endpoints`, aligned
   * (`[i]` is `endpoints[i]`'s, 0 = none) and shared within one decision, so a filter and a scorer
   * reading the same index look it up once. The array is the owner's buffer: read it before the next
   * call. Without it, readers call `prefixIndex.matchLengths` themselves.
   */
  prefixMatchLengths?(request: SchedulingRequest, endpoints: readonly Endpoint[]): Int32Array;
}

export function isPrefixIndexOwner(p: Plugin): p is PrefixIndexOwner {
  const o = p as Partial<PrefixIndexOwner>;
  return (
    typeof o.prefixIndex === "object" &&
    o.prefixIndex !== null &&
    typeof o.prefixIndex.purge === "function" &&
    typeof o.prefixHashing === "object" &&
    o.prefixHashing !== null
  );
}
