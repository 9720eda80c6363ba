import { describe, expect, it } from "vitest";
import { address, POOL, request } from "../helpers.js";
import { type Scenario, scenario } from "./scenario-helpers.js";

/**
 * The built-in default on a pool of mixed speeds that pushes no accelerator label: the router learns
 * each endpoint's time per token of work from its own completions (service-time-scorer).
 */

/** Completes `count` requests of 1,000 tokens on endpoint `i`, each taking `ms`. */
function serve(s: Scenario, i: number, count: number, ms: number): void {
  for (let k = 0; k < count; k++) {
    const lease = s.store.acquire(POOL, address(i), 1_000)!;
    s.clock.advance(ms);
    lease.release();
  }
}

describe("built-in default profile on endpoints of different speeds", () => {
  it("does not choose the slower-serving of two endpoints with equal load", () => {
    const s = scenario([{ runningRequests: 2 }, { runningRequests: 2 }]);
    serve(s, 0, 3, 6_000); // 6 ms per token
    serve(s, 1, 3, 2_000); // 2 ms per token
    s.push([{ runningRequests: 2 }, { runningRequests: 2 }]);
    for (let i = 0; i < 20; i++) {
      const r = s.scheduler.schedule(POOL, request({ requestId: `r${i}` }), { dryRun: true });
      expect(r.endpoints[0]!.address).toBe(address(1));
    }
  });

  it("gives a burst between two pushes less to an endpoint that serves 3x slower", () => {
    const s = scenario([{}, {}, {}]);
    serve(s, 0, 3, 2_000);
    serve(s, 1, 3, 2_000);
    serve(s, 2, 3, 6_000);
    s.push([{}, {}, {}]);
    s.clock.advance(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30; i++) {
      const a = s.scheduler.schedule(POOL, request({ requestId: `r${i}` })).endpoints[0]!.address;
      counts[[0, 1, 2].find((k) => address(k) === a)!]!++;
    }
    // Equal speeds spread 10 / 10 / 10 (the burst test of default-profile.test.ts).
    expect(counts[2]).toBeLessThanOrEqual(6);
    expect(Math.abs(counts[0]! - counts[1]!)).toBeLessThanOrEqual(1);
  });

  it("keeps spreading evenly over endpoints that serve at the same speed", () => {
    const s = scenario([{}, {}, {}]);
    for (let i = 0; i < 3; i++) serve(s, i, 3, 2_000 + 100 * i); // within 10%
    s.push([{}, {}, {}]);
    s.clock.advance(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30; i++) {
      const a = s.scheduler.schedule(POOL, request({ requestId: `r${i}` })).endpoints[0]!.address;
      counts[[0, 1, 2].find((k) => address(k) === a)!]!++;
    }
    expect(counts).toEqual([10, 10, 10]);
  });
});
