import { describe, expect, it } from "vitest";
import type { PluginDeps } from "../../../../src/scheduling/framework/plugin.js";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createPrefixCacheScorer,
  PrefixCacheScorer,
  prefixCacheDefaults,
} from "../../../../src/scheduling/plugins/scorer/prefix-cache-scorer.js";
import type { PrefixIndexOptions } from "../../../../src/scheduling/prefix-index.js";
import {
  createFixture,
  ctx,
  endpoints,
  hashes,
  MapPrefixIndex,
  POOL,
  request,
  scoresOf,
} from "../../helpers.js";

/** 100 blocks of 16 tokens: 1,600 tokens of KV. */
const kv = { numBlocks: 100, blockSize: 16 };

function deps(seen?: PrefixIndexOptions[]): PluginDeps {
  return {
    prefixIndexFactory: (o) => {
      seen?.push(o);
      return new MapPrefixIndex();
    },
    metrics: noopSchedulerMetrics,
    plugin: () => undefined,
  };
}

describe("prefix-cache-scorer", () => {
  it("scores matched blocks / total blocks of the request", () => {
    const index = new MapPrefixIndex();
    const h = hashes(1, 4);
    index.record("10.0.0.1:8000", h);
    index.record("10.0.0.2:8000", h.slice(0, 1));
    const scorer = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics);
    expect(scoresOf(scorer, endpoints([{}, {}, {}]), request({ prefixHashes: h }))).toEqual([1, 0.25, 0]);
  });

  it("scores 0 everywhere for a request without hashes", () => {
    const scorer = new PrefixCacheScorer(
      "p",
      new MapPrefixIndex(),
      prefixCacheDefaults,
      noopSchedulerMetrics,
    );
    expect(scoresOf(scorer, endpoints([{}, {}]))).toEqual([0, 0]);
  });

  it("records the prompt's blocks for the primary endpoint after a pick", () => {
    const index = new MapPrefixIndex();
    const scorer = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics);
    const eps = endpoints([{}, {}]);
    const req = request({ prefixHashes: hashes(2, 3) });
    scorer.onPicked(ctx(), req, [eps[1]!, eps[0]!]);
    expect(index.matchLengths(req.prefixHashes, [eps[0]!.address, eps[1]!.address])).toEqual(
      new Map([[eps[1]!.address, 3]]),
    );
  });

  it("passes its parameters, with upstream defaults, to the index factory", () => {
    const seen: PrefixIndexOptions[] = [];
    createPrefixCacheScorer("p", { blockSize: 32 }, deps(seen));
    expect(seen).toEqual([{ blockSize: 32, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31_250 }]);
  });

  it("with kvFullHitWeight, scores a hit on an endpoint without KV room for the prompt at that share", () => {
    // used: 1,500 / 800 / 800 tokens of 1,600; a 400-token prompt fits on the last two only.
    const eps = endpoints([
      { ...kv, kvCacheUsage: 0.9375 },
      { ...kv, kvCacheUsage: 0.5 },
      { ...kv, kvCacheUsage: 0.5 },
    ]);
    const index = new MapPrefixIndex();
    const h = hashes(1, 4);
    index.record(eps[0]!.address, h);
    index.record(eps[1]!.address, h.slice(0, 2));
    const req = request({ prefixHashes: h, promptTokens: 400 });
    const upstream = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics);
    expect(scoresOf(upstream, eps, req)).toEqual([1, 0.5, 0]);
    const half = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics, 0.5);
    expect(scoresOf(half, eps, req)).toEqual([0.5, 0.5, 0]);
    const none = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics, 0);
    expect(scoresOf(none, eps, req)).toEqual([0, 0.5, 0]);
  });

  it("with kvFullHitWeight, keeps every hit whole when no endpoint has room, or the KV geometry is unknown", () => {
    const full = endpoints([
      { ...kv, kvCacheUsage: 1 },
      { ...kv, kvCacheUsage: 0.9 },
    ]);
    const index = new MapPrefixIndex();
    const h = hashes(1, 2);
    index.record(full[0]!.address, h);
    const scorer = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics, 0);
    expect(scoresOf(scorer, full, request({ prefixHashes: h, promptTokens: 400 }))).toEqual([1, 0]);
    const unknown = endpoints([{ kvCacheUsage: 1 }, { ...kv, kvCacheUsage: 0 }]);
    index.record(unknown[0]!.address, h);
    expect(scoresOf(scorer, unknown, request({ prefixHashes: h, promptTokens: 400 }))).toEqual([1, 0]);
  });

  it("with kvFullHitWeight, counts the tokens of the router's requests sent since the push", () => {
    const f = createFixture([
      { ...kv, kvCacheUsage: 0.5 },
      { ...kv, kvCacheUsage: 0.5 },
    ]);
    f.clock.advance(5);
    const [a, b] = f.endpoints();
    f.store.acquire(POOL, a!.address, 700);
    const index = new MapPrefixIndex();
    const h = hashes(1, 2);
    index.record(a!.address, h);
    index.record(b!.address, h);
    const scorer = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics, 0.25);
    // a: 800 pushed + 700 sent since = 1,500 used, no room for 200 more; b: 800, room.
    expect(scoresOf(scorer, f.endpoints(), request({ prefixHashes: h, promptTokens: 200 }))).toEqual([
      0.25, 1,
    ]);
  });

  it("with kvFullMinPromptShare, guards only where the prompt is at least that share of the KV", () => {
    // 1,500 of 1,600 tokens used: no room for 200 or for 400 more; 10% of the KV is 160 tokens.
    const eps = endpoints([
      { ...kv, kvCacheUsage: 0.9375 },
      { ...kv, kvCacheUsage: 0 },
    ]);
    const index = new MapPrefixIndex();
    const h = hashes(1, 2);
    index.record(eps[0]!.address, h);
    const scorer = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics, 0.25, 0.2);
    // 400 >= 0.2 x 1,600 = 320: guarded; 200 < 320: the hit stays whole.
    expect(scoresOf(scorer, eps, request({ prefixHashes: h, promptTokens: 400 }))).toEqual([0.25, 0]);
    expect(scoresOf(scorer, eps, request({ prefixHashes: h, promptTokens: 200 }))).toEqual([1, 0]);
    const parsed = createPrefixCacheScorer("p", { kvFullMinPromptShare: 0.1 }, deps()) as PrefixCacheScorer;
    expect(parsed.kvFullMinPromptShare).toBe(0.1);
    expect(() => createPrefixCacheScorer("px", { kvFullMinPromptShare: -1 }, deps())).toThrow(
      /plugin "px" \(prefix-cache-scorer\): parameters.kvFullMinPromptShare/,
    );
  });

  it("parses kvFullHitWeight (1 = upstream) apart from the index options, and names a bad value", () => {
    const seen: PrefixIndexOptions[] = [];
    const s = createPrefixCacheScorer("p", { kvFullHitWeight: 0.5 }, deps(seen)) as PrefixCacheScorer;
    expect(s.kvFullHitWeight).toBe(0.5);
    expect(seen[0]).not.toHaveProperty("kvFullHitWeight");
    expect((createPrefixCacheScorer("p", {}, deps()) as PrefixCacheScorer).kvFullHitWeight).toBe(1);
    expect(() => createPrefixCacheScorer("px", { kvFullHitWeight: 1.5 }, deps())).toThrow(
      /plugin "px" \(prefix-cache-scorer\): parameters.kvFullHitWeight/,
    );
  });

  it("names itself when a parameter is out of range", () => {
    expect(() => createPrefixCacheScorer("px", { lruCapacityPerServer: 0 }, deps())).toThrow(
      /plugin "px" \(prefix-cache-scorer\): parameters.lruCapacityPerServer/,
    );
  });
});
