import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createShareSampledPicker,
  type ShareSampledPicker,
  sampleSize,
  visibleShare,
} from "../../../../src/scheduling/plugins/picker/share-sampled-picker.js";
import type { Endpoint } from "../../../../src/state/types.js";
import { ctx, endpoints, request } from "../../helpers.js";

const deps = { prefixIndexFactory: undefined, metrics: noopSchedulerMetrics, plugin: () => undefined };

/**
 * n endpoints whose last push showed `running` requests each, of which the router had `ownAtPush`
 * outstanding (still in flight); since the push it sent `ownSince` more and peers reported `peers`.
 */
function pool(
  n: number,
  o: { running: number; ownAtPush: number; ownSince?: number; peers?: number; sequence?: bigint },
): Endpoint[] {
  const ownSince = o.ownSince ?? 0;
  const peers = o.peers ?? 0;
  return endpoints(Array.from({ length: n }, () => ({ runningRequests: o.running }))).map((e) => ({
    ...e,
    sequence: o.sequence ?? e.sequence,
    inFlight: { requests: o.ownAtPush + ownSince, tokens: 0 },
    inFlightSincePush: { requests: ownSince + peers, tokens: 0 },
    peers: { requests: peers, tokens: 0 },
  }));
}

function picker(over: Record<string, unknown> = {}): ShareSampledPicker {
  return createShareSampledPicker("p", over, deps) as ShareSampledPicker;
}

/** How often each endpoint is the primary over `n` picks with totals = 10 - index (index 0 best). */
function wins(p: ShareSampledPicker, eps: readonly Endpoint[], n = 2000): number[] {
  const c = ctx(7);
  const totals = Float64Array.from(eps.map((_, i) => 10 - i));
  const count = eps.map(() => 0);
  for (let i = 0; i < n; i++) count[eps.indexOf(p.pick(c, request(), eps, totals)[0]!)]!++;
  return count;
}

describe("share-sampled-picker formula", () => {
  it("visible share: own share s unless peers report; peers' since-push requests count as seen", () => {
    expect(visibleShare(1 / 3, 3, 0)).toBeCloseTo(1 / 3);
    // Own 3 since the push at a third of the traffic: everyone sent 9; 3 own + 3 peers = 6 seen.
    expect(visibleShare(1 / 3, 3, 3)).toBeCloseTo(2 / 3);
    expect(visibleShare(1 / 3, 3, 6)).toBe(1);
    expect(visibleShare(1 / 3, 3, 60)).toBe(1);
    expect(visibleShare(0.5, 0, 0)).toBe(0.5);
    expect(visibleShare(0.5, 0, 2)).toBe(1);
  });

  it("sample size: ceil(n x v), at least minSampleSize, at most n", () => {
    expect(sampleSize(10, 1 / 3, 2)).toBe(4);
    expect(sampleSize(10, 0.3, 2)).toBe(3);
    expect(sampleSize(10, 1, 2)).toBe(10);
    expect(sampleSize(10, 0.05, 2)).toBe(2);
    expect(sampleSize(10, 0.05, 1)).toBe(1);
    expect(sampleSize(3, 0.1, 5)).toBe(3);
  });

  it("estimates the own share from own requests outstanding at the push vs the pushed load", () => {
    const p = picker();
    expect(p.ownShare()).toBe(1);
    // 1 of each endpoint's 3 running requests is the router's own: s = 1/3.
    const eps = pool(10, { running: 3, ownAtPush: 1, ownSince: 2 });
    p.pick(ctx(1), request(), eps, new Float64Array(10));
    expect(p.ownShare()).toBeCloseTo(1 / 3);
    // The same snapshots again are not new samples; a dry run folds nothing.
    p.pick(ctx(1), request(), pool(10, { running: 3, ownAtPush: 3, ownSince: 2 }), new Float64Array(10));
    expect(p.ownShare()).toBeCloseTo(1 / 3);
    const newer = pool(10, { running: 3, ownAtPush: 3, sequence: 99n });
    p.pick(ctx(1, true), request(), newer, new Float64Array(10));
    expect(p.ownShare()).toBeCloseTo(1 / 3);
    // A new push where all the load is own moves the EWMA (weight 0.05 per sample) toward 1.
    p.pick(ctx(1), request(), newer, new Float64Array(10));
    // Both sums start at 0: after the first 10 samples own = 1 x a, pushed = 3 x a (a = 1 - 0.95^10).
    const w = 0.95 ** 10;
    const a = 1 - w;
    expect(p.ownShare()).toBeCloseTo((a * w + 3 * a) / (3 * a * w + 3 * a));
  });

  it("clamps the own share to [minShare, 1]", () => {
    const p = picker({ minShare: 0.2 });
    p.pick(ctx(1), request(), pool(4, { running: 10, ownAtPush: 0 }), new Float64Array(4));
    expect(p.ownShare()).toBe(0.2);
    const q = picker();
    q.pick(ctx(1), request(), pool(4, { running: 1, ownAtPush: 5 }), new Float64Array(4));
    expect(q.ownShare()).toBe(1);
  });
});

describe("share-sampled-picker picks", () => {
  it("is near-max over all endpoints when the router sees all of its pool's load", () => {
    const p = picker({ epsilon: 0 });
    const eps = pool(10, { running: 2, ownAtPush: 2, ownSince: 1 });
    const count = wins(p, eps);
    expect(count[0]).toBe(2000);
  });

  it("at a third of the traffic, takes the best of a random 4 of 10: never the 3 worst", () => {
    const p = picker({ epsilon: 0 });
    const eps = pool(10, { running: 3, ownAtPush: 1, ownSince: 1 });
    const count = wins(p, eps);
    // P(best in a sample of 4 out of 10) = 0.4; rank k wins with C(10-k, 3) / C(10, 4).
    expect(count[0]! / 2000).toBeGreaterThan(0.35);
    expect(count[0]! / 2000).toBeLessThan(0.45);
    expect(count[1]! / 2000).toBeGreaterThan(0.23); // 84 / 210 = 0.4, 56 / 210 = 0.267
    expect(count.slice(7)).toEqual([0, 0, 0]);
    expect(count[6]).toBeGreaterThan(0); // 1 / 210
  });

  it("goes back to the full greedy choice when peers report the rest of the since-push traffic", () => {
    const p = picker({ epsilon: 0 });
    const eps = pool(10, { running: 3, ownAtPush: 1, ownSince: 1, peers: 2 });
    expect(wins(p, eps)[0]).toBe(2000);
  });

  it("keeps near-max-score-picker's epsilon within the sample", () => {
    const p = picker({ epsilon: 0.2 });
    const eps = pool(3, { running: 1, ownAtPush: 1 });
    const c = ctx(3);
    const count = [0, 0, 0];
    for (let i = 0; i < 1000; i++)
      count[eps.indexOf(p.pick(c, request(), eps, Float64Array.from([10, 8.5, 7]))[0]!)]!++;
    expect(count[0]).toBeGreaterThan(400);
    expect(count[1]).toBeGreaterThan(400);
    expect(count[2]).toBe(0);
  });

  it("lists fallbacks after the primary, highest total first", () => {
    const p = picker({ epsilon: 0, maxNumOfEndpoints: 3 });
    const eps = pool(10, { running: 3, ownAtPush: 1 });
    const c = ctx(5);
    const totals = Float64Array.from(eps.map((_, i) => 10 - i));
    for (let k = 0; k < 50; k++) {
      const picked = p.pick(c, request(), eps, totals).map((e) => eps.indexOf(e));
      expect(picked).toHaveLength(3);
      const rest = [0, 1, 2, 3].filter((i) => i !== picked[0]).slice(0, 2);
      expect(picked.slice(1)).toEqual(rest);
    }
  });

  it("parses its parameters with defaults and names a bad one", () => {
    expect(picker().p).toEqual({
      maxNumOfEndpoints: 1,
      epsilon: 0.02,
      minSampleSize: 2,
      minShare: 0.05,
      shareSmoothing: 0.05,
      fullShare: 0.9,
    });
    expect(() => picker({ minShare: 0 })).toThrow(/minShare/);
    expect(() => picker({ shareSmoothing: 0 })).toThrow(/shareSmoothing/);
    expect(() => picker({ sample: 3 })).toThrow(/sample/);
  });
});
