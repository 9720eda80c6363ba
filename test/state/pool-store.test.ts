import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { RouterError } from "../../src/core/errors.js";
import { PoolStore } from "../../src/state/pool-store.js";
import type { PoolChange } from "../../src/state/types.js";
import { endpoint, snapshot } from "./fixtures.js";

function setup() {
  const clock = createManualClock(1_000_000);
  const store = new PoolStore({ clock, staleAfterMs: 2_000, expireAfterMs: 10_000 });
  store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
  return { clock, store };
}

function addresses(store: PoolStore, pool = "pool-a"): string[] {
  return (store.endpoints(pool) ?? []).map((e) => e.address).sort();
}

describe("PoolStore", () => {
  it("holds the endpoints of an accepted snapshot", () => {
    const { store } = setup();
    const r = store.push(
      snapshot(1, [endpoint("10.0.0.1:8000", { waitingRequests: 3 }), endpoint("10.0.0.2:8000")]),
    );
    expect(r).toEqual({ acceptedSequence: 1n, endpointCount: 2 });
    expect(addresses(store)).toEqual(["10.0.0.1:8000", "10.0.0.2:8000"]);
    expect(
      store.endpoints("pool-a")?.find((e) => e.address === "10.0.0.1:8000")?.metrics.waitingRequests,
    ).toBe(3);
  });

  it("refuses a push for a pool that is not configured, with NotFound", () => {
    const { store } = setup();
    expect(() => store.push(snapshot(1, [], { pool: "nope" }))).toThrowError(
      expect.objectContaining({ code: "NotFound" }) as unknown as Error,
    );
  });

  it("refuses a replayed or older sequence, naming the last accepted one, and changes nothing", () => {
    const { store } = setup();
    store.push(snapshot(5, [endpoint("10.0.0.1:8000")]));
    const before = JSON.stringify(store.pool("pool-a"), (_k, v) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    for (const seq of [5, 4, 1]) {
      let err: unknown;
      try {
        store.push(snapshot(seq, [endpoint("10.0.0.9:8000")]));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RouterError);
      expect((err as RouterError).code).toBe("FailedPrecondition");
      expect((err as RouterError).message).toContain("last accepted sequence 5");
    }
    const after = JSON.stringify(store.pool("pool-a"), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    expect(after).toBe(before);
  });

  it("keeps sequences per source, so two producers do not refuse each other", () => {
    const { store } = setup();
    store.push(snapshot(10, [endpoint("10.0.0.1:8000")], { source: "a" }));
    store.push(snapshot(1, [endpoint("10.0.0.2:8000")], { source: "b" }));
    expect(addresses(store)).toEqual(["10.0.0.1:8000", "10.0.0.2:8000"]);
  });

  it("replaces only the pushing source's endpoints with a full snapshot", () => {
    const { store } = setup();
    store.push(snapshot(1, [endpoint("10.0.0.1:8000"), endpoint("10.0.0.2:8000")], { source: "a" }));
    store.push(snapshot(1, [endpoint("10.0.0.3:8000")], { source: "b" }));
    store.push(snapshot(2, [endpoint("10.0.0.2:8000")], { source: "a" }));
    expect(addresses(store)).toEqual(["10.0.0.2:8000", "10.0.0.3:8000"]);
  });

  it("marks endpoints stale after the staleness limit and removes them after expiry", () => {
    const { clock, store } = setup();
    const changes: PoolChange[] = [];
    store.subscribe((c) => changes.push(c));
    store.push(snapshot(1, [endpoint("10.0.0.1:8000")]));
    const ep = store.endpoints("pool-a")![0]!;
    clock.advance(2_000);
    expect(store.isStale(ep)).toBe(false);
    clock.advance(1);
    expect(store.isStale(ep)).toBe(true);
    store.sweep();
    expect(addresses(store)).toEqual(["10.0.0.1:8000"]);
    clock.advance(8_000);
    store.sweep();
    expect(addresses(store)).toEqual([]);
    expect(changes.map((c) => c.reason)).toEqual(["push", "stale", "expired"]);
  });

  it("a fresh push makes a stale endpoint fresh again", () => {
    const { clock, store } = setup();
    store.push(snapshot(1, [endpoint("10.0.0.1:8000")]));
    clock.advance(5_000);
    store.sweep();
    store.push(snapshot(2, [endpoint("10.0.0.1:8000")]));
    expect(store.isStale(store.endpoints("pool-a")![0]!)).toBe(false);
  });

  it("keeps the router's in-flight counts across pushes and counts only newer ones as unseen", () => {
    const { clock, store } = setup();
    store.push(snapshot(1, [endpoint("10.0.0.1:8000")], { observedAt: clock.now() }));
    clock.advance(1);
    const first = store.acquire("pool-a", "10.0.0.1:8000", 100)!;
    clock.advance(10);
    const second = store.acquire("pool-a", "10.0.0.1:8000", 50)!;
    const ep = () => store.endpoints("pool-a")![0]!;
    expect(ep().inFlight).toEqual({ requests: 2, tokens: 150 });
    expect(ep().inFlightSincePush).toEqual({ requests: 2, tokens: 150 });
    // The next snapshot was observed after the first request reached the engine, before the second.
    store.push(
      snapshot(2, [endpoint("10.0.0.1:8000", { runningRequests: 1 })], { observedAt: clock.now() - 5 }),
    );
    expect(ep().inFlight).toEqual({ requests: 2, tokens: 150 });
    expect(ep().inFlightSincePush).toEqual({ requests: 1, tokens: 50 });
    second.release();
    second.release();
    expect(ep().inFlight).toEqual({ requests: 1, tokens: 100 });
    expect(ep().inFlightSincePush).toEqual({ requests: 0, tokens: 0 });
    first.release();
    expect(ep().inFlight).toEqual({ requests: 0, tokens: 0 });
  });

  it("gives no lease for an endpoint it does not know", () => {
    const { store } = setup();
    expect(store.acquire("pool-a", "10.0.0.1:8000", 1)).toBeUndefined();
  });

  it("drops the state of a pool removed from configuration", () => {
    const { store } = setup();
    store.push(snapshot(1, [endpoint("10.0.0.1:8000")]));
    store.configurePools([{ name: "pool-b", targetPorts: [8000] }]);
    expect(store.pool("pool-a")).toBeUndefined();
    expect(store.hasPool("pool-b")).toBe(true);
  });

  it("bumps the pool revision on every change", () => {
    const { store } = setup();
    const r0 = store.pool("pool-a")!.revision;
    store.push(snapshot(1, [endpoint("10.0.0.1:8000")]));
    store.push(snapshot(2, [endpoint("10.0.0.1:8000")]));
    expect(store.pool("pool-a")!.revision).toBe(r0 + 2);
  });

  it("forgets a source with its endpoints at expiry, so a source that pushed sequence 2^64-1 can come back", () => {
    const { clock, store } = setup();
    const max = 2n ** 64n - 1n;
    store.push(snapshot(1, [endpoint("10.0.0.1:8000")], { sequence: max }));
    expect(() => store.push(snapshot(1, [endpoint("10.0.0.1:8000")]))).toThrowError(/not newer/);
    clock.advance(10_001);
    store.sweep();
    expect(store.pool("pool-a")!.sources).toEqual([]);
    expect(addresses(store)).toEqual([]);
    expect(store.push(snapshot(1, [endpoint("10.0.0.1:8000")])).acceptedSequence).toBe(1n);
  });

  it("keeps a source that pushed within the expiry, even with no endpoints", () => {
    const { clock, store } = setup();
    store.push(snapshot(5, []));
    clock.advance(9_000);
    store.sweep();
    expect(store.pool("pool-a")!.sources.map((s) => s.sequence)).toEqual([5n]);
  });

  it("refuses a source beyond maxSourcesPerPool with ResourceExhausted naming the limit, and changes nothing", () => {
    const clock = createManualClock(1_000_000);
    const store = new PoolStore({ clock, maxSourcesPerPool: 2 });
    store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
    store.push(snapshot(1, [endpoint("10.0.0.1:8000")], { source: "a" }));
    store.push(snapshot(1, [endpoint("10.0.0.2:8000")], { source: "b" }));
    const revision = store.pool("pool-a")!.revision;
    let err: unknown;
    try {
      store.push(snapshot(1, [endpoint("10.0.0.3:8000")], { source: "c" }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RouterError);
    expect(err).toMatchObject({ code: "ResourceExhausted", field: "source" });
    expect((err as Error).message).toContain("above the limit 2 (limits.maxSourcesPerPool)");
    expect(store.pool("pool-a")!.revision).toBe(revision);
    expect(addresses(store)).toEqual(["10.0.0.1:8000", "10.0.0.2:8000"]);
    // A known source still pushes at the limit.
    expect(store.push(snapshot(2, [], { source: "b" })).acceptedSequence).toBe(2n);
  });
});
