import { describe, expect, it } from "vitest";
import type { PluginDeps } from "../../../../src/scheduling/framework/plugin.js";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createNoHitLruScorer,
  NoHitLruScorer,
} from "../../../../src/scheduling/plugins/scorer/no-hit-lru-scorer.js";
import {
  PrefixCacheScorer,
  prefixCacheDefaults,
} from "../../../../src/scheduling/plugins/scorer/prefix-cache-scorer.js";
import { ctx, endpoints, hashes, MapPrefixIndex, request, scoresOf } from "../../helpers.js";

function setup(n: number) {
  const index = new MapPrefixIndex();
  const prefix = new PrefixCacheScorer(
    "prefix-cache-scorer",
    index,
    prefixCacheDefaults,
    noopSchedulerMetrics,
  );
  const scorer = new NoHitLruScorer("n", prefix, 1024);
  const eps = endpoints(Array.from({ length: n }, () => ({})));
  return { index, prefix, scorer, eps };
}

describe("no-hit-lru-scorer", () => {
  it("scores never-used endpoints of a cold request 1 - i / (n - 1) in candidate order", () => {
    const { scorer, eps } = setup(5);
    expect(scoresOf(scorer, eps, request({ prefixHashes: hashes(1, 3) }))).toEqual([1, 0.75, 0.5, 0.25, 0]);
  });

  it("ranks used endpoints after the never-used ones, least recently used first, and records only cold picks", () => {
    const { scorer, eps, index } = setup(4);
    const cold = request({ prefixHashes: hashes(1, 3) });
    const out = new Float64Array(4);
    scorer.score(ctx(), cold, eps, out);
    scorer.onPicked(ctx(), cold, [eps[2]!]);
    scorer.score(ctx(), cold, eps, out);
    scorer.onPicked(ctx(), cold, [eps[0]!]);
    expect(scorer.lruOrder()).toEqual([eps[2]!.address, eps[0]!.address]);
    // never used: 1 and 3 (ranks 0, 1); used: 2 (LRU position 0 -> rank 2), 0 (position 1 -> rank 3)
    scorer.score(ctx(), cold, eps, out);
    expect(Array.from(out)).toEqual([1 - 3 / 3, 1 - 0 / 3, 1 - 2 / 3, 1 - 1 / 3]);
    // A warm request (endpoint 3 holds a prefix of it): 0.5 everywhere, and its pick is not recorded.
    const warm = request({ prefixHashes: hashes(9, 4) });
    index.record(eps[3]!.address, warm.prefixHashes.slice(0, 2));
    expect(scoresOf(scorer, eps, warm)).toEqual([0.5, 0.5, 0.5, 0.5]);
    scorer.onPicked(ctx(), warm, [eps[3]!]);
    expect(scorer.lruOrder()).toEqual([eps[2]!.address, eps[0]!.address]);
  });

  it("treats a request without hashes as cold and a single candidate as 1", () => {
    const { scorer, eps } = setup(2);
    expect(scoresOf(scorer, eps, request())).toEqual([1, 0]);
    expect(scoresOf(scorer, eps.slice(1), request())).toEqual([1]);
  });

  it("forgets the least recently used endpoint beyond lruSize", () => {
    const { prefix, eps } = setup(3);
    const scorer = new NoHitLruScorer("n", prefix, 2);
    const cold = request();
    const out = new Float64Array(3);
    for (const e of eps) {
      scorer.score(ctx(), cold, eps, out);
      scorer.onPicked(ctx(), cold, [e]);
    }
    expect(scorer.lruOrder()).toEqual([eps[1]!.address, eps[2]!.address]);
  });

  it("parses lruSize (upstream default 1024) and needs a prefix-cache plugin declared before it", () => {
    const { prefix } = setup(1);
    const deps = (p: unknown): PluginDeps => ({
      prefixIndexFactory: undefined,
      metrics: noopSchedulerMetrics,
      plugin: () => p as never,
    });
    expect((createNoHitLruScorer("n", {}, deps(prefix)) as NoHitLruScorer).lruSize).toBe(1024);
    expect(() => createNoHitLruScorer("n", {}, deps(undefined))).toThrow(
      /prefixCachePlugin: "prefix-cache-scorer" must name a prefix-cache plugin/,
    );
    expect(() => createNoHitLruScorer("nx", { lruSize: 0 }, deps(prefix))).toThrow(
      /plugin "nx" \(no-hit-lru-scorer\): parameters.lruSize/,
    );
  });
});
