import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  ActiveRequestScorer,
  createActiveRequestScorer,
} from "../../../../src/scheduling/plugins/scorer/active-request-scorer.js";
import { createFixture, endpoints, POOL, scoresOf } from "../../helpers.js";

const deps = { prefixIndexFactory: undefined, metrics: noopSchedulerMetrics, plugin: () => undefined };

describe("active-request-scorer", () => {
  it("scores idle endpoints 1 and busy ones maxBusyScore x (max - count) / max", () => {
    const eps = endpoints([{}, { runningRequests: 1 }, { runningRequests: 2, waitingRequests: 2 }]);
    expect(scoresOf(new ActiveRequestScorer("a", 0, 0.5), eps)).toEqual([1, 0.375, 0]);
  });

  it("counts endpoints at or below idleThreshold as idle", () => {
    const eps = endpoints([{ runningRequests: 2 }, { runningRequests: 4 }]);
    expect(scoresOf(new ActiveRequestScorer("a", 2, 1), eps)).toEqual([1, 0]);
  });

  it("adds the router's requests sent since the push to the pushed counts", () => {
    const f = createFixture([{ runningRequests: 1 }, { runningRequests: 1 }]);
    f.clock.advance(5);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 100);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 100);
    expect(scoresOf(new ActiveRequestScorer(), f.endpoints())).toEqual([0, 2 / 3]);
  });

  it("keeps the router's own outstanding requests after a push that does not show them", () => {
    const f = createFixture([{}, {}]);
    f.clock.advance(5);
    f.store.acquire(POOL, f.endpoints()[1]!.address, 100);
    f.push([{}, {}]);
    expect(scoresOf(new ActiveRequestScorer(), f.endpoints())).toEqual([1, 0]);
  });

  it("with decayPushed takes the router's own completions since the push off the pushed count", () => {
    // The router sent 3 to endpoint 0 before the push (which shows them); 2 have finished since.
    const f = createFixture([{}, { runningRequests: 2 }]);
    f.clock.advance(5);
    const leases = [0, 1, 2].map(() => f.store.acquire(POOL, f.endpoints()[0]!.address, 100)!);
    f.clock.advance(5);
    f.push([{ runningRequests: 3 }, { runningRequests: 2 }]);
    const decayed = new ActiveRequestScorer("a", 0, 1, true);
    expect(scoresOf(decayed, f.endpoints())).toEqual([0, 1 / 3]);
    leases[0]!.release();
    leases[1]!.release();
    // Undecayed: 3 vs 2 (endpoint 0 looks busier); decayed: 1 vs 2.
    expect(scoresOf(new ActiveRequestScorer(), f.endpoints())).toEqual([0, 1 / 3]);
    expect(scoresOf(decayed, f.endpoints())).toEqual([0.5, 0]);
    leases[2]!.release();
  });

  it("parses idleThreshold (0), maxBusyScore (1.0), decayPushed (false) and names a bad value", () => {
    const s = createActiveRequestScorer("a", {}, deps) as ActiveRequestScorer;
    expect([s.idleThreshold, s.maxBusyScore, s.decayPushed]).toEqual([0, 1, false]);
    expect(
      (createActiveRequestScorer("a", { decayPushed: true }, deps) as ActiveRequestScorer).decayPushed,
    ).toBe(true);
    expect(() => createActiveRequestScorer("a", { maxBusyScore: 2 }, deps)).toThrow(/maxBusyScore/);
  });
});
