import { describe, expect, it } from "vitest";
import { BlockTable } from "../../../src/scheduling/prefix/block-table.js";
import { createPrefixIndex } from "../../../src/scheduling/prefix/lru-prefix-index.js";
import { hashPrompt } from "../../../src/scheduling/prefix/prefix-hash.js";

const A = "10.0.0.1:8000";
const B = "10.0.0.2:8000";
const C = "10.0.0.3:8000";

/** Deterministic pseudo-random uint32 hashes. */
function hashes(count: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out.push(s);
  }
  return out;
}

describe("createPrefixIndex", () => {
  it("reports the longest matching prefix for each endpoint that has any match", () => {
    const index = createPrefixIndex();
    const system = hashPrompt("s".repeat(640), "m"); // 10 blocks
    const full = hashPrompt(`${"s".repeat(640)}${"q".repeat(320)}`, "m"); // 15 blocks
    index.record(A, full);
    index.record(B, system);
    const other = hashPrompt("t".repeat(640), "m");
    index.record(C, other);
    const lengths = index.matchLengths(full, [A, B, C, "10.0.0.9:8000"]);
    expect(lengths).toEqual(
      new Map([
        [A, 15],
        [B, 10],
      ]),
    );
  });

  it("only answers for the addresses asked about", () => {
    const index = createPrefixIndex();
    const h = hashes(4, 1);
    index.record(A, h);
    expect(index.matchLengths(h, [B])).toEqual(new Map());
    expect(index.matchLengths([], [A])).toEqual(new Map());
  });

  it("stops at the first missing block even when later blocks are held", () => {
    const index = createPrefixIndex();
    const h = hashes(6, 2);
    index.record(A, [h[0]!, h[1]!, h[3]!, h[4]!]);
    expect(index.matchLengths(h, [A]).get(A)).toBe(2);
  });

  it("evicts the least recently used block at capacity", () => {
    const index = createPrefixIndex({ lruCapacityPerServer: 3 });
    const [a, b, c, d, e] = hashes(5, 3) as [number, number, number, number, number];
    index.record(A, [a, b, c]);
    index.record(A, [a]); // touch a: b is now the least recently used
    index.record(A, [d]);
    expect(index.matchLengths([b], [A]).get(A)).toBeUndefined();
    expect(index.matchLengths([a], [A]).get(A)).toBe(1);
    expect(index.matchLengths([c], [A]).get(A)).toBe(1);
    expect(index.matchLengths([d], [A]).get(A)).toBe(1);
    index.record(A, [e]); // now c is the oldest untouched
    expect(index.matchLengths([c], [A]).get(A)).toBeUndefined();
    expect(index.size().entries).toBe(3);
  });

  it("keeps the most recent blocks when a large table overflows", () => {
    const capacity = 1000;
    const index = createPrefixIndex({ lruCapacityPerServer: capacity });
    const all = hashes(5000, 4);
    for (let i = 0; i < all.length; i += 10) index.record(A, all.slice(i, i + 10));
    expect(index.size().entries).toBe(capacity);
    // The newest quarter of a capacity survives a sampled LRU; the oldest inserts are long gone.
    const newest = all.slice(-capacity / 4);
    const held = newest.filter((h) => index.matchLengths([h], [A]).size === 1).length;
    expect(held).toBe(newest.length);
    const oldest = all.slice(0, capacity);
    const stale = oldest.filter((h) => index.matchLengths([h], [A]).size === 1).length;
    expect(stale).toBeLessThan(capacity * 0.05);
  });

  it("keeps a frequently touched prefix while other traffic churns", () => {
    const index = createPrefixIndex({ lruCapacityPerServer: 500 });
    const hot = hashes(40, 5);
    for (let round = 0; round < 100; round++) {
      index.record(A, hot);
      index.record(A, hashes(20, 1000 + round));
    }
    expect(index.matchLengths(hot, [A]).get(A)).toBe(40);
  });

  it("purges endpoints that are no longer kept", () => {
    const index = createPrefixIndex();
    const h = hashes(8, 6);
    index.record(A, h);
    index.record(B, h);
    index.purge((address) => address === B);
    expect(index.matchLengths(h, [A, B])).toEqual(new Map([[B, 8]]));
    expect(index.size().entries).toBe(8);
  });

  it("grows its size with entries but never beyond the capacity bound", () => {
    const capacity = 2000;
    const index = createPrefixIndex({ lruCapacityPerServer: capacity });
    expect(index.size()).toEqual({ entries: 0, bytes: 0 });
    index.record(A, hashes(100, 7));
    const small = index.size();
    expect(small.entries).toBe(100);
    for (let i = 0; i < 20; i++) index.record(A, hashes(1000, 100 + i));
    const full = index.size();
    expect(full.entries).toBe(capacity);
    expect(full.bytes).toBeGreaterThan(small.bytes);
    // ~4 bytes per slot at load <= 0.75, plus a small fixed overhead per endpoint.
    expect(full.bytes).toBeLessThanOrEqual(capacity * 6 + 200);
    for (let i = 0; i < 20; i++) index.record(A, hashes(1000, 200 + i));
    expect(index.size()).toEqual(full);
  });

  it("rejects a capacity below 1", () => {
    expect(() => createPrefixIndex({ lruCapacityPerServer: 0 })).toThrow(/lruCapacityPerServer/);
  });
});

describe("BlockTable", () => {
  it("finds every held entry after many evictions (backward-shift deletion keeps probe runs intact)", () => {
    const table = new BlockTable(300);
    const all = hashes(3000, 8);
    for (const h of all) table.touch(h);
    expect(table.count).toBe(300);
    let found = 0;
    for (const h of all) if (table.has(h)) found++;
    expect(found).toBe(300);
  });

  it("treats hash 0 like any other value", () => {
    const table = new BlockTable(4);
    table.touch(0);
    expect(table.has(0)).toBe(true);
    expect(table.count).toBe(1);
  });
});
