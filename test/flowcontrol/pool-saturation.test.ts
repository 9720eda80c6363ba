import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { createPoolSaturation } from "../../src/flowcontrol/pool-saturation.js";
import { defaultSaturationThresholds } from "../../src/scheduling/saturation/utilization-detector.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "../state/fixtures.js";

function setup() {
  const clock = createManualClock(1000);
  const store = new PoolStore({ clock, staleAfterMs: 60_000 });
  store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
  const pools = createPoolSaturation(store, () => defaultSaturationThresholds);
  let seq = 0;
  const push = (waiting: number) =>
    store.push(
      snapshot(++seq, [endpoint("10.0.0.1:8000", { waitingRequests: waiting, kvCacheUsage: 0.1 })], {
        observedAt: clock.now(),
      }),
    );
  return { clock, store, pools, push };
}

describe("pool saturation", () => {
  it("is the pushed queue plus the router's requests sent since the push, over the threshold of 5", () => {
    const t = setup();
    t.push(4);
    expect(t.pools.saturation("pool-a")).toBeCloseTo(0.8);
    t.clock.advance(1);
    t.store.acquire("pool-a", "10.0.0.1:8000", 10);
    expect(t.pools.saturation("pool-a")).toBe(1);
    expect(t.pools.saturation("nope")).toBe(1);
  });

  it("counts a finished request the push already showed as room, until the next push", () => {
    const t = setup();
    t.push(5);
    expect(t.pools.saturation("pool-a")).toBe(1);
    t.pools.released("pool-a", "10.0.0.1:8000", 999, 10);
    expect(t.pools.saturation("pool-a")).toBeCloseTo(0.8);
    // A request sent after the push is the ledger's business, not a credit.
    t.pools.released("pool-a", "10.0.0.1:8000", 2000, 10);
    expect(t.pools.saturation("pool-a")).toBeCloseTo(0.8);
    t.clock.advance(10);
    t.push(5);
    expect(t.pools.saturation("pool-a")).toBe(1);
  });
});
