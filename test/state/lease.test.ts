import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "./fixtures.js";

function setup() {
  const clock = createManualClock(1000);
  const store = new PoolStore({ clock });
  store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
  store.push(
    snapshot(1, [endpoint("10.0.0.1:8000"), endpoint("10.0.0.2:8000")], { observedAt: clock.now() }),
  );
  const requests = (address: string) =>
    store.endpoints("pool-a")!.find((e) => e.address === address)!.inFlight.requests;
  return { store, requests };
}

describe("Lease.moveTo", () => {
  it("counts the request at the new endpoint and no longer at the old one, with the same tokens", () => {
    const { store, requests } = setup();
    const lease = store.acquire("pool-a", "10.0.0.1:8000", 70)!;
    const moved = lease.moveTo("10.0.0.2:8000")!;
    expect(moved).toMatchObject({ pool: "pool-a", address: "10.0.0.2:8000", tokens: 70 });
    expect(requests("10.0.0.1:8000")).toBe(0);
    expect(requests("10.0.0.2:8000")).toBe(1);
    moved.release();
    expect(requests("10.0.0.2:8000")).toBe(0);
  });

  it("takes the new lease before it gives the old one back", () => {
    const { store } = setup();
    const seen: number[] = [];
    const lease = store.acquire("pool-a", "10.0.0.1:8000", 1)!;
    // Total in flight over the pool at every change: never 0 while the request is alive.
    const total = () => store.endpoints("pool-a")!.reduce((n, e) => n + e.inFlight.requests, 0);
    const original = lease.release;
    (lease as { release: () => void }).release = () => {
      seen.push(total());
      original();
    };
    lease.moveTo("10.0.0.2:8000");
    expect(seen).toEqual([2]);
  });

  it("returns the same lease for the same address and counts nothing twice", () => {
    const { store, requests } = setup();
    const lease = store.acquire("pool-a", "10.0.0.1:8000", 1)!;
    expect(lease.moveTo("10.0.0.1:8000")).toBe(lease);
    expect(requests("10.0.0.1:8000")).toBe(1);
  });

  it("releases the old lease and returns none when the new endpoint is unknown", () => {
    const { store, requests } = setup();
    const lease = store.acquire("pool-a", "10.0.0.1:8000", 1)!;
    expect(lease.moveTo("10.0.0.9:8000")).toBeUndefined();
    expect(requests("10.0.0.1:8000")).toBe(0);
  });

  it("moves a released lease nowhere (nothing is taken)", () => {
    const { store, requests } = setup();
    const lease = store.acquire("pool-a", "10.0.0.1:8000", 1)!;
    lease.release();
    expect(lease.moveTo("10.0.0.2:8000")).toBeUndefined();
    expect(requests("10.0.0.2:8000")).toBe(0);
  });
});
