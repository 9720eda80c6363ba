import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createLoadAwareScorer,
  LoadAwareScorer,
  loadAwareScore,
} from "../../../../src/scheduling/plugins/scorer/load-aware-scorer.js";
import { createFixture, endpoints, POOL, scoresOf } from "../../helpers.js";

const deps = { prefixIndexFactory: undefined, metrics: noopSchedulerMetrics, plugin: () => undefined };

describe("load-aware-scorer", () => {
  it("scores an empty queue 0.5, a queue 0.5 x (1 - q / threshold), 0 at and beyond the threshold", () => {
    const eps = endpoints([
      { runningRequests: 9 },
      { waitingRequests: 1 },
      { waitingRequests: 32 },
      { waitingRequests: 128 },
      { waitingRequests: 500 },
    ]);
    expect(scoresOf(new LoadAwareScorer(), eps)).toEqual([0.5, 0.5 * (1 - 1 / 128), 0.375, 0, 0]);
    expect(loadAwareScore(5, 10)).toBe(0.25);
  });

  it("counts the router's requests sent since the push as queued", () => {
    const f = createFixture([{}, { waitingRequests: 2 }]);
    f.clock.advance(5);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 100);
    expect(scoresOf(new LoadAwareScorer("l", 4), f.endpoints())).toEqual([0.375, 0.25]);
  });

  it("parses threshold (upstream default 128) and names a bad value", () => {
    expect((createLoadAwareScorer("l", {}, deps) as LoadAwareScorer).threshold).toBe(128);
    expect((createLoadAwareScorer("l", { threshold: 16 }, deps) as LoadAwareScorer).threshold).toBe(16);
    expect(() => createLoadAwareScorer("lx", { threshold: 0 }, deps)).toThrow(
      /plugin "lx" \(load-aware-scorer\): parameters.threshold/,
    );
  });
});
