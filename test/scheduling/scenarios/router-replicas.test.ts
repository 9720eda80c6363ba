/**
 * Several router replicas that share nothing (issue 17's "3 routers" corner): each sees the pushed
 * snapshots of the whole pool and only its own in-flight. Between two pushes each must not fill the
 * endpoint the last push showed idle as if it were the only router.
 */
import { describe, expect, it } from "vitest";
import { defaultSchedulerConfig } from "../../../src/scheduling/config/default-config.js";
import type { SchedulerConfig } from "../../../src/scheduling/config/scheduler-config.js";
import type { Lease } from "../../../src/state/in-flight.js";
import { address, type EndpointSpec, POOL, request } from "../helpers.js";
import { type Scenario, scenario } from "./scenario-helpers.js";

/**
 * `routers` replicas over 3 endpoints, each of which sent 6 requests while the pool was idle (2 per
 * endpoint: the default takes equal endpoints in turn); then endpoint 0 finished its work and a push
 * shows it idle, the others with every router's 2 each. Returns the routers and their leases.
 */
function afterIdlePush(config: SchedulerConfig, routers: number): { rs: Scenario[]; leases: Lease[] } {
  const rs = Array.from({ length: routers }, () => scenario([{}, {}, {}], { config }));
  const leases: Lease[] = [];
  for (const s of rs) {
    s.clock.advance(10);
    const first: Lease[] = [];
    for (let i = 0; i < 6; i++) {
      const r = s.scheduler.schedule(POOL, request({ requestId: `w${i}` }));
      if (r.endpoints[0]!.address === address(0)) first.push(r.lease!);
      else if (r.lease) leases.push(r.lease);
    }
    for (const l of first) l.release();
    expect(s.endpoints().map((e) => e.inFlight.requests)).toEqual([0, 2, 2]);
  }
  const pushed: EndpointSpec[] = [{}, { runningRequests: 2 * routers }, { runningRequests: 2 * routers }];
  // Enough pushes of that state for the share estimate (minSnapshots 20 over 3 endpoints): after each,
  // one pick whose request ends at once (a pick folds the new snapshots).
  for (let k = 0; k < 8; k++) {
    for (const s of rs) {
      s.clock.advance(10);
      s.push(pushed);
      s.clock.advance(10);
      s.scheduler.schedule(POOL, request({ requestId: `f${k}` })).lease?.release();
    }
  }
  return { rs, leases };
}

/** `perRouter` picks on each router, interleaved; the primaries per endpoint index, summed over routers. */
function interleaved(rs: Scenario[], perRouter: number): number[] {
  const counts = [0, 0, 0];
  for (let i = 0; i < perRouter; i++) {
    for (const s of rs) {
      const r = s.scheduler.schedule(POOL, request({ requestId: `p${i}` }));
      counts[Number(r.endpoints[0]!.address.split(".")[3]!.split(":")[0]) - 1]!++;
    }
  }
  return counts;
}

describe("router replicas without peer sharing, between two pushes", () => {
  it("three routers do not all fill the endpoint the push showed idle", () => {
    // Pushed 0 / 6 / 6; 12 more requests (4 per router) make 24: 8 each would be even. A router
    // blind to the others fills endpoint 0 up to 6 with its own 4 picks, so all 12 go there (12 / 6
    // / 6); counting its own picks since the push for its share (1/3) of everyone's, each router
    // sends 2 there and then spreads.
    const { rs } = afterIdlePush(defaultSchedulerConfig(), 3);
    const counts = interleaved(rs, 4);
    expect(counts[0]).toBeLessThanOrEqual(8);
    expect(counts[0]).toBeGreaterThanOrEqual(4);
    const loads = [counts[0]!, 6 + counts[1]!, 6 + counts[2]!];
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(4);
  });

  it("without the share-scaled load scorers (the default before), the three fill it with all 12", () => {
    const before = defaultSchedulerConfig();
    const refs = before.schedulingProfiles[0]!.plugins;
    for (const r of refs) r.pluginRef = r.pluginRef.replace(/^share-scaled-/, "");
    (before as { plugins: typeof before.plugins }).plugins = before.plugins.filter(
      (p) => p.type !== "share-scaled-scorer",
    );
    const { rs } = afterIdlePush(before, 3);
    expect(interleaved(rs, 4)).toEqual([12, 0, 0]);
  });

  it("one router taking all the traffic fills the idle endpoint first, as before", () => {
    // Pushed 0 / 2 / 2, all of it the router's own (share 1): endpoint 0 first until it is level.
    const { rs } = afterIdlePush(defaultSchedulerConfig(), 1);
    expect(interleaved(rs, 2)).toEqual([2, 0, 0]);
  });
});
