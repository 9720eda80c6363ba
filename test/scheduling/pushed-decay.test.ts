import { describe, expect, it } from "vitest";
import {
  decayedOutstandingRequests,
  decayedOutstandingTokens,
  outstandingRequests,
  outstandingTokens,
} from "../../src/scheduling/endpoint-load.js";
import { createFixture, POOL } from "./helpers.js";

describe("pushed figures less the router's own completions since the snapshot (pushed-decay.ts)", () => {
  it("one router: the pushed figure loses the router's own pre-push requests as they finish", () => {
    const f = createFixture([{}]);
    f.clock.advance(10);
    const address = f.endpoints()[0]!.address;
    const leases = [0, 1, 2, 3].map(() => f.store.acquire(POOL, address, 1_000)!);
    f.clock.advance(10);
    // The engine shows the router's 4 requests (4,000 of 8,192 KV tokens in use).
    f.push([{ runningRequests: 4, kvCacheUsage: 0.5, numBlocks: 512, blockSize: 16 }]);
    const e = f.endpoints()[0]!;
    expect(decayedOutstandingRequests(e)).toBe(4);
    expect(decayedOutstandingTokens(e)).toBe(4_096);
    for (const l of leases.slice(0, 3)) l.release();
    // Undecayed: the 1 s old snapshot still says 4 running and 4,096 tokens.
    expect(outstandingRequests(e)).toBe(4);
    expect(outstandingTokens(e)).toBe(4_096);
    // Less the router's own 3 completions: 4 - 3 = 1 request; 4,096 - 3,000 tokens (1,000 in the ledger).
    expect(decayedOutstandingRequests(e)).toBe(1);
    expect(decayedOutstandingTokens(e)).toBe(1_096);
    // A new snapshot starts a new count.
    f.clock.advance(10);
    f.push([{ runningRequests: 1, kvCacheUsage: 0.125, numBlocks: 512, blockSize: 16 }]);
    expect(decayedOutstandingRequests(f.endpoints()[0]!)).toBe(1);
    leases[3]!.release();
  });

  it("work the router did not send (another replica's) is counted whole, plus what it sent since", () => {
    const f = createFixture([{ runningRequests: 5 }]);
    f.clock.advance(10);
    const e = f.endpoints()[0]!;
    expect(decayedOutstandingRequests(e)).toBe(5);
    const lease = f.store.acquire(POOL, e.address, 100)!;
    expect(decayedOutstandingRequests(e)).toBe(6);
    lease.release();
    expect(decayedOutstandingRequests(e)).toBe(5);
  });
});
