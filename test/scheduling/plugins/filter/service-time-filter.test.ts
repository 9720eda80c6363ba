import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createServiceTimeFilter,
  ServiceTimeFilter,
} from "../../../../src/scheduling/plugins/filter/service-time-filter.js";
import { createFixture, ctx, type Fixture, POOL, request } from "../../helpers.js";

const deps = { prefixIndexFactory: undefined, metrics: noopSchedulerMetrics, plugin: () => undefined };

/** Completes `count` requests of 1,000 tokens on endpoint `i`, each taking `ms`. */
function serve(f: Fixture, i: number, count: number, ms: number): void {
  for (let k = 0; k < count; k++) {
    const lease = f.store.acquire(POOL, f.endpoints()[i]!.address, 1_000)!;
    f.clock.advance(ms);
    lease.release();
  }
}

describe("service-time-filter", () => {
  it("leaves out endpoints seen serving more than maxSlowdown x slower per token than the fastest", () => {
    const f = createFixture([{}, {}, {}, {}]);
    serve(f, 0, 3, 2_000); // 2 ms per token
    serve(f, 1, 3, 4_000); // 4: exactly 2x, kept
    serve(f, 2, 3, 6_000); // 6: 3x, left out
    const eps = f.endpoints(); // endpoint 3 has no completions: kept
    expect(new ServiceTimeFilter("f", 2, 3, 0).filter(ctx(), request(), eps)).toEqual([
      eps[0],
      eps[1],
      eps[3],
    ]);
    expect(new ServiceTimeFilter("f", 1.5, 3, 0).filter(ctx(), request(), eps)).toEqual([eps[0], eps[3]]);
  });

  it("drops nothing when the slower endpoint's requests are less than minExcessMs longer (millisecond noise)", () => {
    const f = createFixture([{}, {}]);
    serve(f, 0, 3, 2); // 2 ms each
    serve(f, 1, 3, 20); // 10x slower per token, but 18 ms longer
    const eps = f.endpoints();
    expect(new ServiceTimeFilter("f", 2, 3, 0).filter(ctx(), request(), eps)).toBe(eps);
    expect(new ServiceTimeFilter("f", 2, 3, 0, "mean", 10).filter(ctx(), request(), eps)).toEqual([eps[0]]);
  });

  it("returns its input untouched when the endpoints serve alike (nothing to leave out)", () => {
    const f = createFixture([{}, {}, {}]);
    for (let i = 0; i < 3; i++) serve(f, i, 3, 2_000 + 500 * i);
    const eps = f.endpoints();
    expect(new ServiceTimeFilter("f", 2, 3, 0).filter(ctx(), request(), eps)).toBe(eps);
  });

  it("keeps an endpoint again once the fast ones slow down to within maxSlowdown of it", () => {
    const f = createFixture([{}, {}]);
    serve(f, 1, 3, 6_000);
    serve(f, 0, 3, 2_000);
    const filter = new ServiceTimeFilter("f", 2, 3, 0);
    expect(filter.filter(ctx(), request(), f.endpoints())).toEqual([f.endpoints()[0]]);
    serve(f, 0, 10, 4_000); // the fast endpoint fills up: its moving average rises past 3 ms per token
    expect(filter.filter(ctx(), request(), f.endpoints())).toBe(f.endpoints());
  });

  it("parses maxSlowdown (2), minCompletions (3), halfLifeMs (30,000), figure (mean), minExcessMs (250) and names a bad value", () => {
    const f = createServiceTimeFilter("f", {}, deps) as ServiceTimeFilter;
    expect([f.maxSlowdown, f.minCompletions, f.halfLifeMs, f.figure, f.minExcessMs]).toEqual([
      2,
      3,
      30_000,
      "mean",
      250,
    ]);
    expect(() => createServiceTimeFilter("f", { maxSlowdown: 0.5 }, deps)).toThrow(/maxSlowdown/);
    expect(() => createServiceTimeFilter("f", { figure: "max" }, deps)).toThrow(/figure/);
  });
});
