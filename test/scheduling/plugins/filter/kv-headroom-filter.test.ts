import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createKvHeadroomFilter,
  KvHeadroomFilter,
} from "../../../../src/scheduling/plugins/filter/kv-headroom-filter.js";
import { createFixture, ctx, endpoints, POOL, request } from "../../helpers.js";

const deps = { prefixIndexFactory: undefined, metrics: noopSchedulerMetrics, plugin: () => undefined };
/** 100 blocks of 16 tokens: 1,600 tokens of KV. */
const kv = { numBlocks: 100, blockSize: 16 };

describe("kv-headroom-filter", () => {
  it("keeps the endpoints with room for the prompt: used + promptTokens <= maxKvFill x capacity", () => {
    // used: 1,200 / 800 / 1,500 tokens; a 400-token prompt fits on the first two only.
    const eps = endpoints([
      { ...kv, kvCacheUsage: 0.75 },
      { ...kv, kvCacheUsage: 0.5 },
      { ...kv, kvCacheUsage: 0.9375 },
    ]);
    const kept = new KvHeadroomFilter().filter(ctx(), request({ promptTokens: 400 }), eps);
    expect(kept).toEqual([eps[0], eps[1]]);
    const half = new KvHeadroomFilter("f", 0.5).filter(ctx(), request({ promptTokens: 0 }), eps);
    expect(half).toEqual([eps[1]]);
  });

  it("keeps every endpoint when none has room, and endpoints that report no KV geometry", () => {
    const full = endpoints([
      { ...kv, kvCacheUsage: 1 },
      { ...kv, kvCacheUsage: 0.99 },
    ]);
    const f = new KvHeadroomFilter();
    expect(f.filter(ctx(), request({ promptTokens: 100 }), full)).toBe(full);
    const unknown = endpoints([{ kvCacheUsage: 1 }, { ...kv, kvCacheUsage: 1 }]);
    expect(f.filter(ctx(), request({ promptTokens: 100 }), unknown)).toEqual([unknown[0]]);
  });

  it("counts the tokens of the router's requests sent since the push", () => {
    const f = createFixture([
      { ...kv, kvCacheUsage: 0.5 },
      { ...kv, kvCacheUsage: 0.5 },
    ]);
    f.clock.advance(5);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 700);
    const kept = new KvHeadroomFilter().filter(ctx(), request({ promptTokens: 200 }), f.endpoints());
    expect(kept).toEqual([f.endpoints()[1]]);
  });

  it("parses maxKvFill (1.0) and names a bad value", () => {
    expect((createKvHeadroomFilter("k", {}, deps) as KvHeadroomFilter).maxKvFill).toBe(1);
    expect(() => createKvHeadroomFilter("kx", { maxKvFill: 0 }, deps)).toThrow(
      /plugin "kx" \(kv-headroom-filter\): parameters.maxKvFill/,
    );
  });
});
