import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { RouterError } from "../../src/core/errors.js";
import { createPeerPublisher, peerReportMessage } from "../../src/push/peer-publisher.js";
import { parsePeerReport } from "../../src/state/peer-load.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "./fixtures.js";

const A = "10.0.0.1:8000";
const B = "10.0.0.2:8000";

function replica(clock = createManualClock(1000)) {
  const store = new PoolStore({ clock, staleAfterMs: 2000, expireAfterMs: 10_000 });
  store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
  return store;
}

/** What `from` would report to its peers now, parsed as a receiver parses it. */
function reportOf(from: PoolStore, source: string, sequence: bigint) {
  const m = peerReportMessage(from, source);
  m.sequence = sequence;
  return parsePeerReport(m);
}

function byAddress(store: PoolStore) {
  return new Map((store.endpoints("pool-a") ?? []).map((e) => [e.address, e]));
}

describe("peer in-flight sharing", () => {
  it("counts what a peer sent since the push both hold, as the scorers read it", () => {
    const clock = createManualClock(1000);
    const [r1, r2] = [replica(clock), replica(clock)];
    for (const r of [r1, r2]) r.push(snapshot(7, [endpoint(A), endpoint(B)], { observedAt: 900 }));
    r1.acquire("pool-a", A, 100);
    r1.acquire("pool-a", A, 50);
    r2.pushPeer(reportOf(r1, "peer-1", 1n));
    const e = byAddress(r2).get(A)!;
    expect(e.inFlightSincePush).toEqual({ requests: 2, tokens: 150 });
    expect(e.peers).toEqual({ requests: 2, tokens: 150 });
    // The receiver's own count is still its own: it never passes the peer's figures on.
    expect(e.inFlight.requests).toBe(0);
    expect(r2.ownSincePush().size).toBe(0);
    expect(byAddress(r2).get(B)!.inFlightSincePush.requests).toBe(0);
  });

  it("drops a peer's figure once a newer engine push shows those requests, until its next report", () => {
    const clock = createManualClock(1000);
    const [r1, r2] = [replica(clock), replica(clock)];
    for (const r of [r1, r2]) r.push(snapshot(7, [endpoint(A)], { observedAt: 900 }));
    r1.acquire("pool-a", A, 100);
    r2.pushPeer(reportOf(r1, "peer-1", 1n));
    expect(byAddress(r2).get(A)!.inFlightSincePush.requests).toBe(1);
    clock.advance(100);
    r2.push(snapshot(8, [endpoint(A, { runningRequests: 1 })], { observedAt: 1050 }));
    expect(byAddress(r2).get(A)!.inFlightSincePush.requests).toBe(0);
    // The peer applies the same push and reports again: its request is now the engine's, not its own.
    r1.push(snapshot(8, [endpoint(A, { runningRequests: 1 })], { observedAt: 1050 }));
    r2.pushPeer(reportOf(r1, "peer-1", 2n));
    expect(byAddress(r2).get(A)!.inFlightSincePush.requests).toBe(0);
  });

  it("ages a peer that stops reporting out: stale figures stop counting, then the source is forgotten", () => {
    const clock = createManualClock(1000);
    const [r1, r2] = [replica(clock), replica(clock)];
    for (const r of [r1, r2]) r.push(snapshot(7, [endpoint(A)], { observedAt: 900 }));
    r1.acquire("pool-a", A, 100);
    r2.pushPeer(reportOf(r1, "peer-1", 1n));
    expect(r2.pool("pool-a")!.sources.map((s) => s.kind ?? "engine")).toEqual(["engine", "peer"]);
    clock.advance(2500);
    r2.sweep();
    expect(byAddress(r2).get(A)?.inFlightSincePush.requests ?? 0).toBe(0);
    expect(r2.pool("pool-a")!.sources.some((s) => s.kind === "peer")).toBe(true);
    clock.advance(10_000);
    r2.sweep();
    expect(r2.pool("pool-a")!.sources.some((s) => s.kind === "peer")).toBe(false);
  });

  it("refuses a replayed report and changes nothing", () => {
    const [r1, r2] = [replica(), replica()];
    for (const r of [r1, r2]) r.push(snapshot(7, [endpoint(A)]));
    r1.acquire("pool-a", A, 100);
    r2.pushPeer(reportOf(r1, "peer-1", 5n));
    r1.acquire("pool-a", A, 100);
    expect(() => r2.pushPeer(reportOf(r1, "peer-1", 5n))).toThrow(/sequence: 5 is not newer than 5/);
    expect(byAddress(r2).get(A)!.inFlightSincePush.requests).toBe(1);
  });

  it.each([
    [{ source: "", sequence: 1n, pools: [] }, "source"],
    [{ source: "p", sequence: 0n, pools: [] }, "sequence"],
    [
      {
        source: "p",
        sequence: 1n,
        pools: [
          { pool: "x", endpoints: [{ address: "pod:1", requests: 1, tokens: 1n, engineSequence: 1n }] },
        ],
      },
      "pools[0].endpoints[0].address",
    ],
    [
      {
        source: "p",
        sequence: 1n,
        pools: [{ pool: "x", endpoints: [{ address: A, requests: -1, tokens: 1n, engineSequence: 1n }] }],
      },
      "pools[0].endpoints[0].requests",
    ],
    [
      {
        source: "p",
        sequence: 1n,
        pools: [
          { pool: "x", endpoints: [] },
          { pool: "x", endpoints: [] },
        ],
      },
      "pools[1].pool",
    ],
    [{ source: "p", sequence: 1n, pools: [], extra: 1 }, "extra"],
  ])("refuses a malformed report naming the field (%#)", (input, field) => {
    let err: unknown;
    try {
      parsePeerReport(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RouterError);
    expect((err as RouterError).message).toContain(field);
  });

  it("reports on change at most every interval, and a heartbeat while nothing changes", async () => {
    const clock = createManualClock(1000);
    const store = replica(clock);
    store.push(snapshot(7, [endpoint(A)]));
    const sent: bigint[] = [];
    const publisher = createPeerPublisher({
      store,
      source: "peer-1",
      peers: {
        current: () => [{ key: "p", url: "p" }],
        ready: Promise.resolve(),
        subscribe: () => () => {},
        refresh: async () => {},
        close() {},
      },
      sendTo: () => ({ mode: "unary", push: async (m) => void sent.push(m.sequence) }),
      clock,
      random: { next: () => 0.5 },
    });
    await publisher.round();
    clock.advance(50);
    await publisher.round();
    expect(sent).toHaveLength(1);
    store.acquire("pool-a", A, 10);
    clock.advance(50);
    await publisher.round();
    expect(sent).toHaveLength(2);
    clock.advance(500);
    await publisher.round();
    expect(sent).toHaveLength(3);
  });
});
