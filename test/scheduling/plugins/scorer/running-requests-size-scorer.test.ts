import { describe, expect, it } from "vitest";
import { RunningRequestsSizeScorer } from "../../../../src/scheduling/plugins/scorer/running-requests-size-scorer.js";
import { createFixture, endpoints, POOL, scoresOf } from "../../helpers.js";

describe("running-requests-size-scorer", () => {
  it("scores (max - running) / (max - min), 1 when all equal", () => {
    const eps = endpoints([{ runningRequests: 2 }, { runningRequests: 4 }, { runningRequests: 6 }]);
    expect(scoresOf(new RunningRequestsSizeScorer(), eps)).toEqual([1, 0.5, 0]);
    expect(
      scoresOf(new RunningRequestsSizeScorer(), endpoints([{ runningRequests: 2 }, { runningRequests: 2 }])),
    ).toEqual([1, 1]);
  });

  it("counts the router's requests sent since the last push", () => {
    const f = createFixture([{ runningRequests: 0 }, { runningRequests: 0 }]);
    f.clock.advance(1);
    f.store.acquire(POOL, f.endpoints()[1]!.address, 1);
    expect(scoresOf(new RunningRequestsSizeScorer(), f.endpoints())).toEqual([1, 0]);
  });
});
