/**
 * The prefix-cache index the prefix-cache-scorer reads and updates. The implementation (chained
 * block hashes per endpoint with an LRU) lives in ./prefix/; this is the contract both sides share.
 */

/**
 * Approximate record of which prompt blocks each endpoint probably holds in its KV cache.
 * Callers pass arrays they may reuse afterwards: an implementation must not keep references to them.
 */
export interface PrefixIndex {
  /** Longest matching prefix, in blocks, of `hashes` for each endpoint address that has any match. */
  matchLengths(hashes: readonly number[], addresses: readonly string[]): Map<string, number>;
  /**
   * Optional, the same lookup without a Map: writes the match length of `addresses[i]` to `out[i]`
   * (0 = none) for every i, and returns how many are above 0. `out` holds at least addresses.length.
   */
  matchLengthsInto?(hashes: readonly number[], addresses: readonly string[], out: Int32Array): number;
  /** Records that `address` now holds these blocks (called after a pick, for the primary endpoint). */
  record(address: string, hashes: readonly number[]): void;
  /** Forget endpoints no longer in any pool. */
  purge(keep: (address: string) => boolean): void;
  /** Approximate bytes held and entry count, for metrics and the benchmark. */
  size(): { entries: number; bytes: number };
}

/** How a prefix index is configured (the prefix-cache-scorer's parameters, upstream names). */
export interface PrefixIndexOptions {
  /** Characters per block of prompt text. Default 64. */
  blockSize: number;
  /** Most blocks of a prompt that are hashed and matched. Default 256. */
  maxPrefixBlocksToMatch: number;
  /** Blocks remembered per endpoint (LRU). Default 31,250. */
  lruCapacityPerServer: number;
}

/** Makes an index; the runtime passes the implementation from ./prefix/ (or a test double). */
export type PrefixIndexFactory = (options: PrefixIndexOptions) => PrefixIndex;
