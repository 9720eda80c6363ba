/**
 * The approximate prefix-cache index (upstream prefix-cache-scorer's "indexer"): per endpoint, a
 * bounded table of the chained block hashes it was last sent, evicting the least recently used.
 *
 * Memory: one 4-byte slot per 0.75 entries, so ~5.3 bytes per entry when full (≈167 MB at 1,000
 * endpoints × 31,250 blocks); tables start small and grow, so idle endpoints cost little.
 * `matchLengths` probes each candidate's table from block 0 and stops at its first miss, so an endpoint
 * holding nothing of the prompt costs one short probe (~a few ns) and holders cost one probe per
 * matched block.
 */
import type { PrefixIndex, PrefixIndexOptions } from "../prefix-index.js";
import { type PreparedBlocks, prepareBlocks } from "./block-keys.js";
import { BlockTable } from "./block-table.js";

/** Default blocks remembered per endpoint (upstream `lruCapacityPerServer`). */
export const DEFAULT_LRU_CAPACITY_PER_SERVER = 31_250;

/** Rough per-endpoint bookkeeping beyond the slot array (table object, Map entry, key string), bytes. */
const ENDPOINT_OVERHEAD_BYTES = 160;

/**
 * Creates an index. Only `lruCapacityPerServer` matters here (hashing options are the caller's); the
 * other fields are accepted so this function is a `PrefixIndexFactory`.
 *
 * @example
 * const index = createPrefixIndex({ lruCapacityPerServer: 31_250 });
 * index.record("10.0.0.1:8000", hashes);
 * index.matchLengths(hashes, ["10.0.0.1:8000", "10.0.0.2:8000"]); // Map { "10.0.0.1:8000" => hashes.length }
 */
export function createPrefixIndex(options: Partial<PrefixIndexOptions> = {}): PrefixIndex {
  const capacity = options.lruCapacityPerServer ?? DEFAULT_LRU_CAPACITY_PER_SERVER;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`lruCapacityPerServer: ${capacity} must be an integer >= 1`);
  }
  return new LruPrefixIndex(capacity);
}

class LruPrefixIndex implements PrefixIndex {
  readonly #capacity: number;
  readonly #tables = new Map<string, BlockTable>();
  /** Reused per call: matchLengths is not re-entrant, and JS is single-threaded. */
  #prepared: PreparedBlocks | undefined;
  /**
   * The tables matchLengthsInto resolved last, aligned with its addresses: the next call with the same
   * addresses (the pool's candidates, decision after decision) skips the Map lookups. Valid while
   * `#tablesVersion` is unchanged; a table created or dropped bumps it.
   */
  #resolvedAddresses: string[] = [];
  #resolvedTables: (BlockTable | undefined)[] = [];
  #resolvedVersion = -1;
  #tablesVersion = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  matchLengths(hashes: readonly number[], addresses: readonly string[]): Map<string, number> {
    const result = new Map<string, number>();
    if (hashes.length === 0 || this.#tables.size === 0) return result;
    const blocks = this.#prepare(hashes);
    for (const address of addresses) {
      const table = this.#tables.get(address);
      if (table === undefined) continue;
      const n = table.matchLength(blocks);
      if (n > 0) result.set(address, n);
    }
    return result;
  }

  matchLengthsInto(hashes: readonly number[], addresses: readonly string[], out: Int32Array): number {
    const n = addresses.length;
    if (hashes.length === 0 || this.#tables.size === 0) {
      out.fill(0, 0, n);
      return 0;
    }
    const blocks = this.#prepare(hashes);
    const resolved = this.#resolvedAddresses;
    const tables = this.#resolvedTables;
    if (this.#resolvedVersion !== this.#tablesVersion) {
      resolved.length = 0;
      tables.length = 0;
      this.#resolvedVersion = this.#tablesVersion;
    }
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const address = addresses[i]!;
      let table: BlockTable | undefined;
      if (resolved[i] === address) table = tables[i];
      else {
        table = this.#tables.get(address);
        resolved[i] = address;
        tables[i] = table;
      }
      const m = table === undefined ? 0 : table.matchLength(blocks);
      out[i] = m;
      if (m > 0) hits++;
    }
    return hits;
  }

  #prepare(hashes: readonly number[]): PreparedBlocks {
    const blocks = prepareBlocks(hashes, this.#prepared);
    this.#prepared = blocks;
    return blocks;
  }

  record(address: string, hashes: readonly number[]): void {
    if (hashes.length === 0) return;
    let table = this.#tables.get(address);
    if (table === undefined) {
      table = new BlockTable(this.#capacity);
      this.#tables.set(address, table);
      this.#tablesVersion++;
    }
    for (const hash of hashes) table.touch(hash);
  }

  purge(keep: (address: string) => boolean): void {
    for (const address of this.#tables.keys()) {
      if (!keep(address) && this.#tables.delete(address)) this.#tablesVersion++;
    }
  }

  size(): { entries: number; bytes: number } {
    let entries = 0;
    let bytes = 0;
    for (const table of this.#tables.values()) {
      entries += table.count;
      bytes += table.bytes + ENDPOINT_OVERHEAD_BYTES;
    }
    return { entries, bytes };
  }
}
