import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "./fixtures.js";

const A = "10.0.0.1:8000";
const B = "10.0.0.2:8000";

describe("an endpoint leaving the pool", () => {
  it("goes with its removal push: no longer a candidate, its leases released, a late release harmless", () => {
    const clock = createManualClock(0);
    const store = new PoolStore({ clock });
    store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
    store.push(snapshot(1, [endpoint(A)], { source: "sim-a" }));
    store.push(snapshot(1, [endpoint(B)], { source: "sim-b" }));
    clock.advance(10);
    const lease = store.acquire("pool-a", B, 100)!;
    expect(store.ownSincePush().get("pool-a")?.has(B)).toBe(true);
    // sim --replica-schedule's removal: the replica's last push carries no endpoint.
    store.push(snapshot(2, [], { source: "sim-b" }));
    expect(store.endpoints("pool-a")!.map((e) => e.address)).toEqual([A]);
    expect(store.acquire("pool-a", B, 100)).toBeUndefined();
    expect(store.ownSincePush().get("pool-a")?.has(B) ?? false).toBe(false);
    lease.release();
    // It may come back (a new pod with the same IP): it starts with nothing in flight.
    store.push(snapshot(3, [endpoint(B)], { source: "sim-b" }));
    expect(store.endpoints("pool-a")!.find((e) => e.address === B)!.inFlight).toEqual({
      requests: 0,
      tokens: 0,
    });
  });
});
