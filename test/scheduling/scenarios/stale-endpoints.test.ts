import { describe, expect, it } from "vitest";
import { address, POOL, request } from "../helpers.js";
import { scenario } from "./scenario-helpers.js";

describe("stale endpoints", () => {
  it("are left out while a fresh endpoint exists", () => {
    const s = scenario([{}, {}]);
    s.clock.advance(2_500);
    // A second source reports a fresh endpoint; the first two are now stale.
    s.store.push({
      pool: POOL,
      source: "other",
      sequence: 1n,
      observedAt: s.clock.now(),
      endpoints: [
        {
          address: "10.0.1.1:8000",
          ip: "10.0.1.1",
          port: 8000,
          ready: true,
          labels: {},
          engine: "sim",
          models: [],
          metrics: {
            waitingRequests: 50,
            runningRequests: 0,
            kvCacheUsage: 0.9,
            activeAdapters: [],
            waitingAdapters: [],
            maxAdapters: 0,
            blockSize: 0,
            numBlocks: 0,
          },
        },
      ],
    });
    const e = s.scheduler.explain(POOL, request());
    expect(e.picked).toEqual(["10.0.1.1:8000"]);
    expect(e.excluded).toEqual([
      { address: address(0), reason: "stale" },
      { address: address(1), reason: "stale" },
    ]);
  });

  it("make the pool unavailable under the default policy when none is fresh", () => {
    const s = scenario([{}, {}]);
    s.clock.advance(2_500);
    expect(() => s.scheduler.schedule(POOL, request())).toThrow(/no ready, fresh endpoint.*\(2 stale\)/);
  });

  it("are used, as saturated, under the 'saturated' policy when none is fresh", () => {
    const s = scenario([{}, {}], { staleEndpoints: "saturated" });
    s.clock.advance(2_500);
    const r = s.scheduler.schedule(POOL, request());
    expect(r.saturation).toBe(1);
    expect(() => s.scheduler.schedule(POOL, request({ priority: -1 }))).toThrow(/sheddable request dropped/);
  });
});
