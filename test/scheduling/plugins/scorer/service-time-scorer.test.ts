import { describe, expect, it } from "vitest";
import {
  createServiceTimeScorer,
  ServiceTimeScorer,
  serviceTimePerToken,
} from "../../../../src/scheduling/plugins/scorer/service-time-scorer.js";
import { createFixture, type Fixture, POOL, scoresOf } from "../../helpers.js";

/** Completes `count` requests of `tokens` on endpoint `i`, each taking `ms` from dispatch to end. */
function serve(f: Fixture, i: number, count: number, tokens: number, ms: number): void {
  for (let k = 0; k < count; k++) {
    const lease = f.store.acquire(POOL, f.endpoints()[i]!.address, tokens)!;
    f.clock.advance(ms);
    lease.release();
  }
}

describe("service-time-scorer", () => {
  it("learns each endpoint's time per token from the router's own completions", () => {
    const f = createFixture([{}, {}]);
    serve(f, 0, 3, 1_000, 2_000);
    serve(f, 1, 3, 2_000, 12_000);
    expect(serviceTimePerToken(f.endpoints()[0]!, 3)).toBe(2);
    expect(serviceTimePerToken(f.endpoints()[1]!, 3)).toBe(6);
    expect(serviceTimePerToken(f.endpoints()[1]!, 4)).toBeNaN();
  });

  it("scores min(1, (1 + tolerance) x fastest / own) and leaves an endpoint never served at 1", () => {
    const f = createFixture([{}, {}, {}, {}]);
    serve(f, 0, 3, 1_000, 2_000); // 2 ms per token
    serve(f, 1, 3, 1_000, 2_400); // 2.4: within the tolerance of 25%
    serve(f, 2, 3, 1_000, 6_000); // 6: three times slower
    expect(scoresOf(new ServiceTimeScorer("s", 0.25, 3), f.endpoints())).toEqual([1, 1, 2.5 / 6, 1]);
    expect(scoresOf(new ServiceTimeScorer("s", 0, 3), f.endpoints())).toEqual([1, 2 / 2.4, 2 / 6, 1]);
  });

  it("follows the newest completions (a moving average), so an endpoint that slows down loses score", () => {
    const f = createFixture([{}, {}]);
    serve(f, 0, 3, 1_000, 2_000);
    serve(f, 1, 3, 1_000, 2_000);
    expect(scoresOf(new ServiceTimeScorer("s", 0, 3), f.endpoints())).toEqual([1, 1]);
    serve(f, 1, 5, 1_000, 8_000);
    const [fast, slowed] = scoresOf(new ServiceTimeScorer("s", 0, 3), f.endpoints());
    expect(fast).toBe(1);
    expect(slowed).toBeLessThan(0.6);
  });

  it("keeps a low envelope (figure floor): down a quarter of the way toward a faster request, up 2.5%", () => {
    const f = createFixture([{}]);
    serve(f, 0, 1, 1_000, 4_000); // 4 ms per token
    serve(f, 0, 1, 1_000, 2_000); // 2: floor 4 - 0.25 x 2 = 3.5
    expect(f.endpoints()[0]!.service?.floorMsPerToken).toBeCloseTo(3.5, 10);
    serve(f, 0, 1, 1_000, 13_500); // 13.5: floor 3.5 + 0.025 x 10 = 3.75
    expect(serviceTimePerToken(f.endpoints()[0]!, 3, "floor")).toBeCloseTo(3.75, 10);
  });

  it("ages a figure: its excess over the fastest halves every halfLifeMs since the endpoint's last completion", () => {
    const f = createFixture([{}, {}]);
    serve(f, 1, 3, 1_000, 6_000); // 6 ms per token, last completion at t
    serve(f, 0, 3, 1_000, 2_000); // 2 ms per token, ends at t + 6 s
    f.clock.advance(4_000);
    f.push([{}, {}]); // now = t + 10 s: endpoint 1's excess (4) is worth 4 x 2^(-1) = 2
    expect(scoresOf(new ServiceTimeScorer("s", 0, 3, 10_000), f.endpoints())).toEqual([1, 2 / 4]);
    expect(scoresOf(new ServiceTimeScorer("s", 0, 3, 0), f.endpoints())).toEqual([1, 2 / 6]);
  });

  it("does not count a request moved away to another endpoint (a failover) as served", () => {
    const f = createFixture([{}, {}]);
    const lease = f.store.acquire(POOL, f.endpoints()[0]!.address, 1_000)!;
    f.clock.advance(10);
    lease.moveTo(f.endpoints()[1]!.address)?.release();
    expect(f.endpoints()[0]!.service?.completions).toBe(0);
    expect(f.endpoints()[1]!.service?.completions).toBe(1);
  });

  it("parses tolerance (0.25) and minCompletions (3) and names a bad value", () => {
    const deps = { prefixIndexFactory: undefined, metrics: {} as never, plugin: () => undefined };
    const s = createServiceTimeScorer("s", {}, deps) as ServiceTimeScorer;
    expect([s.tolerance, s.minCompletions, s.halfLifeMs]).toEqual([0.25, 3, 30_000]);
    expect(() => createServiceTimeScorer("s", { minCompletions: 0 }, deps)).toThrow(/minCompletions/);
  });
});
