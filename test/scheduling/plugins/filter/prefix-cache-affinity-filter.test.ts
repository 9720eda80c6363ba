import { describe, expect, it } from "vitest";
import type { PluginDeps } from "../../../../src/scheduling/framework/plugin.js";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createPrefixCacheAffinityFilter,
  PrefixCacheAffinityFilter,
  type PrefixCacheAffinityOptions,
} from "../../../../src/scheduling/plugins/filter/prefix-cache-affinity-filter.js";
import {
  PrefixCacheScorer,
  prefixCacheDefaults,
} from "../../../../src/scheduling/plugins/scorer/prefix-cache-scorer.js";
import { ctx, endpoints, hashes, MapPrefixIndex, request } from "../../helpers.js";

const upstream: PrefixCacheAffinityOptions = {
  affinityThreshold: 0.8,
  explorationProbability: 0,
  maxTTFTPenaltyMs: 18_000,
  peakPrefillThroughput: 15_928,
  capBySavedPrefill: false,
};
// 1,000 tokens/s makes the TTFT estimate read as "1 ms per outstanding token".
const perMs = { ...upstream, peakPrefillThroughput: 1_000 };

/** Endpoint 0 holds all 5 blocks of the prompt, endpoint 1 holds 3 (0.6), endpoint 2 none. */
function setup(kvTokens: number[], options: PrefixCacheAffinityOptions) {
  const index = new MapPrefixIndex();
  const h = hashes(1, 5);
  const eps = endpoints(kvTokens.map((t) => ({ kvCacheUsage: t / 1000, numBlocks: 100, blockSize: 10 })));
  index.record(eps[0]!.address, h);
  index.record(eps[1]!.address, h.slice(0, 3));
  const owner = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics);
  const filter = new PrefixCacheAffinityFilter("f", owner, options);
  const kept = (promptTokens = 1_000) =>
    filter.filter(ctx(), request({ prefixHashes: h, promptTokens }), eps).map((e) => eps.indexOf(e));
  return { kept };
}

describe("prefix-cache-affinity-filter", () => {
  it("keeps only the endpoints whose match reaches affinityThreshold", () => {
    expect(setup([0, 0, 0], upstream).kept()).toEqual([0]);
  });

  it("counts a partial match as sticky when it reaches a lower threshold", () => {
    expect(setup([0, 0, 0], { ...upstream, affinityThreshold: 0.5 }).kept()).toEqual([0, 1]);
  });

  it("keeps all when no endpoint matches, or the request has no hashes", () => {
    const eps = endpoints([{}, {}]);
    const owner = new PrefixCacheScorer("p", new MapPrefixIndex(), prefixCacheDefaults, noopSchedulerMetrics);
    const f = new PrefixCacheAffinityFilter("f", owner, upstream);
    expect(f.filter(ctx(), request({ prefixHashes: hashes(2, 3) }), eps)).toBe(eps);
    expect(f.filter(ctx(), request(), eps)).toBe(eps);
  });

  it("breaks stickiness when the sticky endpoint's estimated TTFT exceeds the best other's by more than maxTTFTPenaltyMs", () => {
    // sticky holds 900 tokens, the best other 300: a 600 ms penalty at 1,000 tokens/s.
    expect(setup([900, 300, 500], { ...perMs, maxTTFTPenaltyMs: 600 }).kept()).toEqual([0]);
    expect(setup([900, 300, 500], { ...perMs, maxTTFTPenaltyMs: 599 }).kept()).toEqual([0, 1, 2]);
  });

  it("with capBySavedPrefill, allows no more penalty than the prefill the hit saves", () => {
    // The hit saves the whole prompt: 400 tokens = 400 ms at 1,000 tokens/s; the penalty is 600 ms.
    const { kept } = setup([900, 300, 500], { ...perMs, capBySavedPrefill: true });
    expect(kept(400)).toEqual([0, 1, 2]);
    expect(kept(600)).toEqual([0]);
  });

  it("keeps all with probability explorationProbability", () => {
    expect(setup([0, 0, 0], { ...upstream, explorationProbability: 1 }).kept()).toEqual([0, 1, 2]);
  });

  it("takes upstream's defaults and refuses a prefixCachePlugin that is not a prefix-cache plugin", () => {
    const owner = new PrefixCacheScorer("p", new MapPrefixIndex(), prefixCacheDefaults, noopSchedulerMetrics);
    const deps = (found: unknown): PluginDeps => ({
      prefixIndexFactory: undefined,
      metrics: noopSchedulerMetrics,
      plugin: () => found as never,
    });
    const f = createPrefixCacheAffinityFilter("f", {}, deps(owner)) as PrefixCacheAffinityFilter;
    expect(f.options).toEqual(upstream);
    expect(() => createPrefixCacheAffinityFilter("f", {}, deps(undefined))).toThrow(
      /prefixCachePlugin: "prefix-cache-scorer" must name a prefix-cache plugin/,
    );
    expect(() =>
      createPrefixCacheAffinityFilter("f", {}, deps({ type: "queue-scorer", name: "prefix-cache-scorer" })),
    ).toThrow(/is a queue-scorer/);
  });
});

describe("prefix-cache-affinity-filter with its prefix-cache-scorer", () => {
  /** A MapPrefixIndex that counts lookups. */
  function counting() {
    const index = new MapPrefixIndex();
    let lookups = 0;
    const matchLengths = index.matchLengths.bind(index);
    index.matchLengths = (h, a) => {
      lookups++;
      return matchLengths(h, a);
    };
    return { index, lookups: () => lookups };
  }

  it("looks the index up once per decision: the score reuses the filter's matches", () => {
    const { index, lookups } = counting();
    const h = hashes(1, 5);
    const eps = endpoints([{}, {}, {}]);
    index.record(eps[0]!.address, h);
    index.record(eps[1]!.address, h);
    const scorer = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics);
    const filter = new PrefixCacheAffinityFilter("f", scorer, upstream);
    const req = request({ prefixHashes: h });
    const kept = filter.filter(ctx(), req, eps);
    expect(kept.map((e) => e.address)).toEqual([eps[0]!.address, eps[1]!.address]);
    const out = new Float64Array(2);
    scorer.score(ctx(), req, kept, out);
    expect([...out]).toEqual([1, 1]);
    expect(lookups()).toBe(1);
  });

  it("looks again for another request, after a pick, and for endpoints the filter did not see", () => {
    const { index, lookups } = counting();
    const h = hashes(1, 5);
    const eps = endpoints([{}, {}, {}]);
    index.record(eps[0]!.address, h);
    const scorer = new PrefixCacheScorer("p", index, prefixCacheDefaults, noopSchedulerMetrics);
    const filter = new PrefixCacheAffinityFilter("f", scorer, upstream);
    const out = new Float64Array(3);
    const first = request({ prefixHashes: h });
    filter.filter(ctx(), first, eps.slice(0, 2));
    scorer.score(ctx(), first, eps, out); // eps[2] was not looked up by the filter
    expect(lookups()).toBe(2);
    scorer.onPicked(ctx(), first, [eps[2]!]); // records h for eps[2]
    const second = request({ prefixHashes: h });
    filter.filter(ctx(), second, eps);
    scorer.score(ctx(), second, eps, out);
    expect([...out]).toEqual([1, 0, 1]);
    expect(lookups()).toBe(3);
  });
});
