import { describe, expect, it } from "vitest";
import type { PluginDeps } from "../../../../src/scheduling/framework/plugin.js";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createPrefixCacheScorer,
  PrefixCacheScorer,
  prefixCacheDefaults,
} from "../../../../src/scheduling/plugins/scorer/prefix-cache-scorer.js";
import type { PrefixIndexOptions } from "../../../../src/scheduling/prefix-index.js";
import { ctx, endpoints, hashes, MapPrefixIndex, request, scoresOf } from "../../helpers.js";

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

  it("names itself when a parameter is out of range", () => {
    expect(() => createPrefixCacheScorer("px", { lruCapacityPerServer: 0 }, deps())).toThrow(
      /plugin "px" \(prefix-cache-scorer\): parameters.lruCapacityPerServer/,
    );
  });
});
