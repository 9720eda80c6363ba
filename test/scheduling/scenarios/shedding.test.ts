import { describe, expect, it } from "vitest";
import { RouterError } from "../../../src/core/errors.js";
import { POOL, request } from "../helpers.js";
import { scenario } from "./scenario-helpers.js";

const overloaded = [
  { waitingRequests: 6, kvCacheUsage: 0.5 },
  { waitingRequests: 1, kvCacheUsage: 0.85 },
  { waitingRequests: 20, kvCacheUsage: 0.95 },
];

describe("saturation and shedding", () => {
  it("refuses a sheddable request when every endpoint is over a threshold", () => {
    const s = scenario(overloaded);
    let err: unknown;
    try {
      s.scheduler.schedule(POOL, request({ priority: -1 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RouterError);
    expect((err as RouterError).code).toBe("ResourceExhausted");
    expect((err as RouterError).message).toBe("system saturated, sheddable request dropped");
  });

  it("still serves a priority-2 request on the same pool", () => {
    const s = scenario(overloaded);
    expect(s.scheduler.schedule(POOL, request({ priority: 2 })).endpoints).toHaveLength(1);
  });

  it("serves a sheddable request while one endpoint has headroom", () => {
    const s = scenario([...overloaded, { waitingRequests: 0, kvCacheUsage: 0.1 }]);
    expect(s.scheduler.schedule(POOL, request({ priority: -1 })).saturation).toBeLessThan(1);
  });

  it("uses the configured thresholds", () => {
    const s = scenario(overloaded, {
      config: {
        plugins: [{ type: "queue-scorer" }],
        schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "queue-scorer" }] }],
        saturationDetector: { queueDepthThreshold: 100, kvCacheUtilThreshold: 1 },
      },
    });
    expect(() => s.scheduler.schedule(POOL, request({ priority: -1 }))).not.toThrow();
  });

  it("counts requests the router sent since the last push towards saturation", () => {
    const s = scenario([{ waitingRequests: 0 }]);
    s.clock.advance(1);
    for (let i = 0; i < 5; i++) s.scheduler.schedule(POOL, request());
    expect(() => s.scheduler.schedule(POOL, request({ priority: -1 }))).toThrow(/sheddable request dropped/);
  });
});
