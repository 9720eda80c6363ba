import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import { RandomPicker } from "../../../../src/scheduling/plugins/picker/random-picker.js";
import { ActiveRequestScorer } from "../../../../src/scheduling/plugins/scorer/active-request-scorer.js";
import { OwnShareEstimator, visibleShare } from "../../../../src/scheduling/plugins/scorer/own-share.js";
import {
  createShareScaledScorer,
  type ShareScaledScorer,
  scaledView,
  staleShare,
} from "../../../../src/scheduling/plugins/scorer/share-scaled-scorer.js";
import type { Endpoint } from "../../../../src/state/types.js";
import { createFixture, ctx, endpoints, POOL, request } from "../../helpers.js";

const active = new ActiveRequestScorer();
const deps = (plugins: Record<string, unknown> = { a: active }) => ({
  prefixIndexFactory: undefined,
  metrics: noopSchedulerMetrics,
  plugin: (n: string) => plugins[n] as never,
});

/** Endpoints with `running` pushed requests, `atPush` own requests outstanding at the push, `since` own sent after. */
function view(specs: { running: number; atPush: number; since: number; peers?: number }[]): Endpoint[] {
  return endpoints(specs.map((s) => ({ runningRequests: s.running }))).map((e, i) => {
    const s = specs[i]!;
    const peers = s.peers ?? 0;
    return {
      ...e,
      inFlight: { requests: s.atPush + s.since, tokens: 100 * (s.atPush + s.since) },
      inFlightSincePush: { requests: s.since + peers, tokens: 100 * (s.since + peers) },
      peers: { requests: peers, tokens: 100 * peers },
    };
  });
}

function scores(
  scorer: { score: ShareScaledScorer["score"] },
  eps: readonly Endpoint[],
  dry = false,
): number[] {
  const out = new Float64Array(eps.length);
  scorer.score(ctx(1, dry), request(), eps, out);
  return Array.from(out, (x) => Math.round(x * 1000) / 1000);
}

describe("own-share estimator", () => {
  it("is own-at-push / pushed waiting + running, smoothed per new snapshot, clamped to [minShare, 1]", () => {
    const est = new OwnShareEstimator(0.05, 0.5);
    expect(est.share()).toBe(1);
    // 2 own of 6 pushed on each: 1/3, whatever the smoothing (both sums move alike).
    est.observe(
      ctx(),
      view([
        { running: 6, atPush: 2, since: 5 },
        { running: 6, atPush: 2, since: 0 },
      ]),
    );
    expect(est.share()).toBeCloseTo(1 / 3);
    // The same snapshots again: not folded; peers' since-push requests are not own.
    est.observe(
      ctx(),
      view([
        { running: 6, atPush: 6, since: 0 },
        { running: 6, atPush: 0, since: 0 },
      ]),
    );
    expect(est.share()).toBeCloseTo(1 / 3);
    const tooMuch = new OwnShareEstimator(0.05, 1);
    tooMuch.observe(ctx(), view([{ running: 1, atPush: 3, since: 0 }]));
    expect(tooMuch.share()).toBe(1);
    const tiny = new OwnShareEstimator(0.2, 1);
    tiny.observe(ctx(), view([{ running: 10, atPush: 0, since: 4, peers: 6 }]));
    expect(tiny.share()).toBe(0.2);
  });

  it("counts an estimate from fullShare up as 1 (a lone router's ledger misses what ended in transit)", () => {
    const est = new OwnShareEstimator(0.05, 1, 0.9);
    est.observe(ctx(), view([{ running: 100, atPush: 90, since: 0 }]));
    expect(est.share()).toBe(1);
    const below = new OwnShareEstimator(0.05, 1, 0.9);
    below.observe(ctx(), view([{ running: 100, atPush: 89, since: 0 }]));
    expect(below.share()).toBe(0.89);
  });

  it("reports 1 until minSnapshots snapshots are folded", () => {
    const est = new OwnShareEstimator(0.05, 0.5, 0.9, 3);
    est.observe(ctx(), view([{ running: 6, atPush: 2, since: 0 }]));
    est.observe(
      ctx(),
      view([
        { running: 6, atPush: 2, since: 0 },
        { running: 6, atPush: 2, since: 0 },
      ]).map((e) => ({ ...e, sequence: 2n })),
    );
    // 3 folded: 1, then 2 new sequences.
    expect(est.share()).toBeCloseTo(1 / 3);
    const late = new OwnShareEstimator(0.05, 0.5, 0.9, 4);
    late.observe(ctx(), view([{ running: 6, atPush: 2, since: 0 }]));
    expect(late.share()).toBe(1);
  });

  it("counts peers' since-push requests out of the own ones", () => {
    const est = new OwnShareEstimator(0.05, 1);
    // inFlight 3 = 1 at the push + 2 since; inFlightSincePush 5 = 2 own + 3 peers.
    est.observe(ctx(), view([{ running: 4, atPush: 1, since: 2, peers: 3 }]));
    expect(est.share()).toBeCloseTo(1 / 4);
  });

  it("folds nothing on a dry run", () => {
    const est = new OwnShareEstimator(0.05, 1);
    est.observe(ctx(1, true), view([{ running: 4, atPush: 1, since: 0 }]));
    expect(est.share()).toBe(1);
  });
});

describe("share-scaled-scorer", () => {
  it("views an endpoint with own in-flight / share; since-push scaled only when asked, peers kept", () => {
    const [e] = view([{ running: 3, atPush: 1, since: 2, peers: 3 }]);
    const v = scaledView(e!, 0.25, false);
    expect([v.inFlight, v.inFlightSincePush, v.peers]).toEqual([
      { requests: 12, tokens: 1200 },
      { requests: 5, tokens: 500 },
      { requests: 3, tokens: 300 },
    ]);
    expect(scaledView(e!, 0.25, true).inFlightSincePush).toEqual({ requests: 3 + 8, tokens: 300 + 800 });
    expect([v.address, v.metrics, v.sequence]).toEqual([e!.address, e!.metrics, e!.sequence]);
  });

  it("fades the scaling in with the pushes' age when stalenessGain is set", () => {
    // s 1/3, W = 1 / 4, gain 2: g = 0.5, the ledger x (1 + 2 x 0.5) = x 2.
    expect(staleShare(1 / 3, 2, 4, 1)).toBeCloseTo(0.5);
    expect(staleShare(1 / 3, 8, 4, 1)).toBeCloseTo(1 / 3);
    expect(staleShare(1 / 3, 2, 0, 0)).toBe(1);
    const s = createShareScaledScorer("s", { scorer: "a", stalenessGain: 2 }, deps()) as ShareScaledScorer;
    const eps = view([
      { running: 0, atPush: 0, since: 1 },
      { running: 3, atPush: 1, since: 0 },
      { running: 3, atPush: 1, since: 0 },
    ]);
    // s = 1/3, W = 1/3, g = 2/3: ledger x 7/3; endpoint 0: max(7/3, 1), the others: max(7/3, 3) = 3.
    expect(scores(s, eps)).toEqual([0.222, 0, 0]);
  });

  it("scores as the inner scorer while the router sees all the traffic", () => {
    const s = createShareScaledScorer("s", { scorer: "a" }, deps()) as ShareScaledScorer;
    const eps = view([
      { running: 0, atPush: 0, since: 1 },
      { running: 2, atPush: 2, since: 0 },
      { running: 4, atPush: 4, since: 0 },
    ]);
    expect(scores(s, eps)).toEqual(scores(active, eps));
    expect(s.estimator.share()).toBe(1);
  });

  it("at a third of the traffic, one own request since the push stands for three: the stale idle endpoint loses its lead", () => {
    const s = createShareScaledScorer("s", { scorer: "a" }, deps()) as ShareScaledScorer;
    // The push showed endpoint 0 idle and 3 running on the others, 1 of them this router's.
    // This router has sent 1 to endpoint 0 since; the other two routers likely did too.
    const eps = view([
      { running: 0, atPush: 0, since: 1 },
      { running: 3, atPush: 1, since: 0 },
      { running: 3, atPush: 1, since: 0 },
    ]);
    // Inner: counts 1 / 3 / 3 -> endpoint 0 wins again (the herd).
    expect(scores(active, eps)).toEqual([0.667, 0, 0]);
    // Scaled: 1 / (1/3) = 3 on endpoint 0, max(1 x 3, 3) = 3 on the others: even.
    expect(scores(s, eps)).toEqual([0, 0, 0]);
    expect(s.estimator.share()).toBeCloseTo(1 / 3);
  });

  it("works on a store's endpoints (their in-flight counts are getters)", () => {
    const f = createFixture([{ runningRequests: 0 }, { runningRequests: 0 }]);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 100);
    f.push([{ runningRequests: 3 }, { runningRequests: 0 }]);
    f.clock.advance(5);
    f.store.acquire(POOL, f.endpoints()[1]!.address, 100);
    const s = createShareScaledScorer("s", { scorer: "a" }, deps()) as ShareScaledScorer;
    // Own share 1/3 (1 own of 3 pushed); endpoint 1: 1 own since the push -> 3; endpoint 0: max(3, 3).
    expect(scores(s, f.endpoints())).toEqual([0, 0]);
    expect(s.estimator.share()).toBeCloseTo(1 / 3);
  });

  it("hands the inner scorer one view object per endpoint across calls (per-endpoint state follows it)", () => {
    const seen: (readonly Endpoint[])[] = [];
    const recorder = {
      type: "r",
      name: "r",
      score: (_c: unknown, _r: unknown, e: readonly Endpoint[]) => seen.push([...e]),
    };
    const s = createShareScaledScorer("s", { scorer: "r" }, deps({ r: recorder })) as ShareScaledScorer;
    const eps = view([
      { running: 3, atPush: 1, since: 1 },
      { running: 3, atPush: 1, since: 0 },
    ]);
    scores(s, eps);
    scores(s, eps);
    expect(seen[0]![0]).not.toBe(eps[0]);
    expect(seen[1]![0]).toBe(seen[0]![0]);
    expect(seen[1]![1]).toBe(seen[0]![1]);
    expect(seen[1]![0]!.inFlight.requests).toBeCloseTo(6);
  });

  it("with kvGateFrom / kvGateTo, scales only as far as the pushed KV usage is between them", () => {
    // Own share 1/3 (1 of 3 running at the push on endpoints 1 and 2); 1 own request to endpoint 0
    // since. Fully scaled it counts 3 there (even with the others); unscaled 1 (endpoint 0 leads).
    const pool = (kv: number) =>
      view([
        { running: 0, atPush: 0, since: 1 },
        { running: 3, atPush: 1, since: 0 },
        { running: 3, atPush: 1, since: 0 },
      ]).map((e) => ({ ...e, metrics: { ...e.metrics, kvCacheUsage: kv } }));
    const gated = () =>
      createShareScaledScorer(
        "s",
        { scorer: "a", scaleSincePush: true, kvGateFrom: 0.3, kvGateTo: 0.6 },
        deps(),
      ) as ShareScaledScorer;
    expect(scores(gated(), pool(0.1))).toEqual(scores(active, pool(0.1)));
    expect(scores(gated(), pool(0.1))).toEqual([0.667, 0, 0]);
    expect(scores(gated(), pool(0.9))).toEqual([0, 0, 0]);
    // Halfway (0.45): g 0.5, the ledger / 0.5, 1 own since counts 2: (3 - 2) / 3.
    const half = gated();
    expect(scores(half, pool(0.45))).toEqual([0.333, 0, 0]);
    expect(half.estimator.kvUsage()).toBeCloseTo(0.45);
  });

  it("counts peers' since-push requests as seen: with peer sharing it scores as the inner scorer", () => {
    // Own share 1/3; since the push this router sent 1 to endpoint 0 and its peers reported 2 more.
    const eps = view([
      { running: 0, atPush: 0, since: 1, peers: 2 },
      { running: 3, atPush: 1, since: 0 },
      { running: 3, atPush: 1, since: 0 },
    ]);
    expect(visibleShare(1 / 3, eps)).toBe(1);
    expect(visibleShare(1 / 3, view([{ running: 3, atPush: 1, since: 1, peers: 1 }]))).toBeCloseTo(2 / 3);
    expect(visibleShare(1 / 3, view([{ running: 3, atPush: 1, since: 1 }]))).toBeCloseTo(1 / 3);
    const s = createShareScaledScorer(
      "s",
      { scorer: "a", scaleSincePush: true },
      deps(),
    ) as ShareScaledScorer;
    expect(scores(s, eps)).toEqual(scores(active, eps));
    expect(s.estimator.share()).toBeCloseTo(1 / 3);
  });

  it("with shareWith uses the named scorer's estimate, folded once per pick", () => {
    const first = createShareScaledScorer("s1", { scorer: "a" }, deps()) as ShareScaledScorer;
    const second = createShareScaledScorer(
      "s2",
      { scorer: "a", shareWith: "s1" },
      deps({ a: active, s1: first }),
    ) as ShareScaledScorer;
    expect(second.estimator).toBe(first.estimator);
    const eps = view([
      { running: 0, atPush: 0, since: 1 },
      { running: 3, atPush: 1, since: 0 },
      { running: 3, atPush: 1, since: 0 },
    ]);
    const req = request();
    const out = new Float64Array(3);
    first.score(ctx(1), req, eps, out);
    const folded = first.estimator.share();
    // The same pick through the second scorer folds nothing more and scores alike.
    const out2 = new Float64Array(3);
    second.score(ctx(1), req, eps, out2);
    expect(first.estimator.share()).toBe(folded);
    expect(Array.from(out2)).toEqual(Array.from(out));
    expect(folded).toBeCloseTo(1 / 3);
  });

  it("refuses a shareWith that is not a share-scaled-scorer declared before, naming it", () => {
    expect(() => createShareScaledScorer("s", { scorer: "a", shareWith: "nope" }, deps())).toThrow(
      /parameters.shareWith: "nope" must name a share-scaled-scorer declared before this plugin \(no plugin of that name\)/,
    );
    expect(() => createShareScaledScorer("s", { scorer: "a", shareWith: "a" }, deps())).toThrow(
      /"active-request-scorer" is a active-request-scorer/,
    );
  });

  it("refuses a KV gate whose end is below its start", () => {
    expect(() =>
      createShareScaledScorer("s", { scorer: "a", kvGateFrom: 0.6, kvGateTo: 0.3 }, deps()),
    ).toThrow(/kvGateTo: 0.3 must be >= kvGateFrom \(0.6\)/);
  });

  it("refuses a scorer it cannot wrap, naming the parameter", () => {
    expect(() => createShareScaledScorer("s", {}, deps())).toThrow(/scorer/);
    expect(() => createShareScaledScorer("s", { scorer: "nope" }, deps())).toThrow(
      /parameters.scorer: "nope" must name a scorer declared before this plugin \(no plugin of that name\)/,
    );
    expect(() =>
      createShareScaledScorer("s", { scorer: "p" }, deps({ p: new RandomPicker("p", 1) })),
    ).toThrow(/"p" is a random-picker/);
    expect(() => createShareScaledScorer("s", { scorer: "a", minShare: 0 }, deps())).toThrow(/minShare/);
  });
});
