import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../../src/core/random.js";
import {
  defaultSchedulerConfig,
  upstreamDefaultSchedulerConfig,
} from "../../../src/scheduling/config/default-config.js";
import { address, hashes, POOL, request } from "../helpers.js";
import { scenario } from "./scenario-helpers.js";

/** Engines that report their KV geometry: 1,000 blocks of 16 tokens. */
const kv = { numBlocks: 1_000, blockSize: 16 };
/** A ~1,800-token prompt (shared-prefix's size) whose blocks endpoint 0 holds. */
const hot = request({ prefixHashes: hashes(7, 28), promptTokens: 1_800 });

describe("built-in default profile", () => {
  it("does not send a hot prefix to its holder when the holder is loaded well above the others", () => {
    const s = scenario([
      { ...kv, kvCacheUsage: 0.9, runningRequests: 20 },
      { ...kv, kvCacheUsage: 0.1, runningRequests: 2 },
      { ...kv, kvCacheUsage: 0.1, runningRequests: 2 },
    ]);
    s.index.record(address(0), hot.prefixHashes);
    for (let i = 0; i < 50; i++) {
      const r = s.scheduler.schedule(POOL, hot, { dryRun: true });
      expect(r.endpoints[0]!.address).not.toBe(address(0));
    }
  });

  it("sends a hot prefix to its holder when the holder is only lightly loaded", () => {
    const s = scenario([
      { ...kv, kvCacheUsage: 0.15, runningRequests: 3 },
      { ...kv, kvCacheUsage: 0.1, runningRequests: 2 },
      { ...kv, kvCacheUsage: 0.1, runningRequests: 2 },
    ]);
    s.index.record(address(0), hot.prefixHashes);
    for (let i = 0; i < 50; i++) {
      const r = s.scheduler.schedule(POOL, hot, { dryRun: true });
      expect(r.endpoints[0]!.address).toBe(address(0));
    }
  });

  it("does not send a hot prefix to a holder whose KV has no room for the prompt (a small KV-bound pool)", () => {
    // 8,192 tokens of KV (the kv-bound engine): the holder uses 7,782 (+ 1,800 > 8,192: full), the
    // others 4,915 (room); the holder runs no more requests than the lightest other. Without the
    // guard (kvFullHitWeight 1) the hit draws the holder; with it, the lightest endpoint with room wins.
    const small = { numBlocks: 512, blockSize: 16 };
    const pool = [
      { ...small, kvCacheUsage: 0.95, runningRequests: 4 },
      { ...small, kvCacheUsage: 0.6, runningRequests: 4 },
      { ...small, kvCacheUsage: 0.6, runningRequests: 5 },
    ];
    const s = scenario(pool);
    s.index.record(address(0), hot.prefixHashes);
    for (let i = 0; i < 50; i++) {
      const r = s.scheduler.schedule(POOL, hot, { dryRun: true });
      expect(r.endpoints[0]!.address).toBe(address(1));
    }
    const unguarded = defaultSchedulerConfig();
    const prefix = unguarded.plugins.find((p) => p.type === "prefix-cache-scorer")!;
    prefix.parameters = { lruCapacityPerServer: 7_353 };
    const u = scenario(pool, { config: unguarded });
    u.index.record(address(0), hot.prefixHashes);
    const picks = new Set<string>();
    for (let i = 0; i < 50; i++)
      picks.add(u.scheduler.schedule(POOL, hot, { dryRun: true }).endpoints[0]!.address);
    expect(picks).toContain(address(0));
  });

  it("sends a hot prefix to its holder on a small KV-bound pool when its KV has room", () => {
    const small = { numBlocks: 512, blockSize: 16 };
    const s = scenario([
      { ...small, kvCacheUsage: 0.6, runningRequests: 4 },
      { ...small, kvCacheUsage: 0.6, runningRequests: 4 },
      { ...small, kvCacheUsage: 0.6, runningRequests: 5 },
    ]);
    s.index.record(address(0), hot.prefixHashes);
    for (let i = 0; i < 50; i++) {
      const r = s.scheduler.schedule(POOL, hot, { dryRun: true });
      expect(r.endpoints[0]!.address).toBe(address(0));
    }
  });

  it("spreads a burst between two pushes over idle endpoints", () => {
    const s = scenario([{}, {}, {}]);
    s.clock.advance(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const a = s.scheduler.schedule(POOL, request({ requestId: `r${i}` })).endpoints[0]!.address;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    expect([...counts.values()].sort()).toEqual([10, 10, 10]);
  });

  it("keeps two routers with the same stale view from piling onto its lightest endpoint", () => {
    // Both saw the same snapshot, in which endpoint 0 is one request lighter; each counts only its own picks.
    const stale = [{ runningRequests: 20 }, { runningRequests: 21 }, { runningRequests: 21 }];
    const a = scenario(stale, { random: createSeededRandom(1) });
    const b = scenario(stale, { random: createSeededRandom(2) });
    a.clock.advance(5);
    b.clock.advance(5);
    const perEndpoint = new Map<string, number>();
    const picks = 60;
    const last = ["", ""];
    for (let i = 0; i < picks; i++) {
      const pa = a.scheduler.schedule(POOL, request({ requestId: `a${i}` })).endpoints[0]!.address;
      const pb = b.scheduler.schedule(POOL, request({ requestId: `b${i}` })).endpoints[0]!.address;
      // Each router takes the endpoints its scores cannot tell apart in turn, never one twice in a row.
      expect(pa).not.toBe(last[0]);
      expect(pb).not.toBe(last[1]);
      last[0] = pa;
      last[1] = pb;
      for (const p of [pa, pb]) perEndpoint.set(p, (perEndpoint.get(p) ?? 0) + 1);
    }
    // 120 picks over 3 endpoints: 40 each (endpoint 0 one more, for its one-request lead).
    for (let i = 0; i < 3; i++) expect(Math.abs(perEndpoint.get(address(i))! - 40)).toBeLessThanOrEqual(2);
  });

  it("takes endpoints its scores cannot tell apart in turn, as round-robin does (tieBreak)", () => {
    // 100 running and 80,000 KV tokens on each: one request more is a 1% difference (0.25% in
    // tokens), inside epsilon 0.02, so all three stay near-best; a random choice among them repeats
    // an endpoint within a round, the turn never does.
    const busy = { runningRequests: 100, kvCacheUsage: 0.5, numBlocks: 10_000, blockSize: 16 };
    const s = scenario([busy, busy, busy]);
    s.clock.advance(5);
    const order: string[] = [];
    for (let i = 0; i < 30; i++)
      order.push(s.scheduler.schedule(POOL, request({ requestId: `r${i}` })).endpoints[0]!.address);
    for (let r = 0; r < 10; r++)
      expect(new Set(order.slice(3 * r, 3 * r + 3))).toEqual(new Set([address(0), address(1), address(2)]));
  });

  it("reads a pushed figure less the router's own completions since that snapshot (decayPushed)", () => {
    // One router sent 6 requests to endpoint 0 and 3 to endpoint 1; the snapshot shows them running.
    // Then 5 of endpoint 0's finish. The 1 s old snapshot still says 6 running there: undecayed,
    // endpoint 1 (3) looks lighter; decayed, endpoint 0 has 1 left and is the lighter one.
    const pool = [{}, {}];
    const run = (config?: ReturnType<typeof defaultSchedulerConfig>) => {
      const s = scenario(pool, config ? { config } : {});
      s.clock.advance(5);
      const leases = [];
      for (let i = 0; i < 9; i++) {
        const at = address(i < 6 ? 0 : 1);
        leases.push(s.store.acquire(POOL, at, 200)!);
      }
      s.clock.advance(5);
      s.push([{ runningRequests: 6 }, { runningRequests: 3 }]);
      s.scheduler.schedule(POOL, request(), { dryRun: true });
      for (const l of leases.slice(0, 5)) l.release();
      s.clock.advance(1_000);
      return s.scheduler.schedule(POOL, request(), { dryRun: true }).endpoints[0]!.address;
    };
    expect(run()).toBe(address(0));
    const undecayed = defaultSchedulerConfig();
    for (const p of undecayed.plugins)
      if (p.type === "active-request-scorer" || p.type === "outstanding-tokens-scorer") p.parameters = {};
    expect(run(undecayed)).toBe(address(1));
  });
});

describe("upstream-default profile (queue 2, kv-cache 2, prefix 3)", () => {
  it("picks the endpoint with the shortest queue and the most free KV cache", () => {
    const s = scenario(
      [
        { waitingRequests: 3, kvCacheUsage: 0.2 },
        { waitingRequests: 0, kvCacheUsage: 0.1 },
        { waitingRequests: 10, kvCacheUsage: 0.2 },
      ],
      { config: upstreamDefaultSchedulerConfig() },
    );
    const r = s.scheduler.schedule(POOL, request(), { dryRun: true });
    expect(r.endpoints.map((e) => e.address)).toEqual([address(1)]);
    expect(r.profile).toBe("default");
  });

  it("returns ordered fallbacks when the picker is asked for three", () => {
    const s = scenario(
      [
        { waitingRequests: 3, kvCacheUsage: 0.2 },
        { waitingRequests: 0, kvCacheUsage: 0.1 },
        { waitingRequests: 10, kvCacheUsage: 0.2 },
      ],
      { config: upstreamDefaultSchedulerConfig({ maxNumOfEndpoints: 3 }) },
    );
    const r = s.scheduler.schedule(POOL, request(), { dryRun: true });
    expect(r.endpoints.map((e) => e.address)).toEqual([address(1), address(0), address(2)]);
  });
});
