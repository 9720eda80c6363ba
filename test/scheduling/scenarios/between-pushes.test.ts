import { describe, expect, it } from "vitest";
import { POOL, request } from "../helpers.js";
import { scenario } from "./scenario-helpers.js";

describe("between two pushes", () => {
  it("spreads 30 picks over 3 idle endpoints 10/10/10, not 30/0/0", () => {
    const s = scenario([{}, {}, {}]);
    s.clock.advance(10);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const r = s.scheduler.schedule(POOL, request({ requestId: `r${i}` }));
      counts.set(r.endpoints[0]!.address, (counts.get(r.endpoints[0]!.address) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([10, 10, 10]);
  });

  it("stops counting the router's requests once a snapshot observed after them arrives", () => {
    const s = scenario([{}, {}]);
    s.clock.advance(10);
    const r = s.scheduler.schedule(POOL, request());
    expect(r.endpoints[0]!.inFlightSincePush.requests).toBe(1);
    s.clock.advance(10);
    s.push([{ waitingRequests: 1 }, {}]);
    expect(s.endpoints()[0]!.inFlightSincePush.requests + s.endpoints()[1]!.inFlightSincePush.requests).toBe(
      0,
    );
    r.lease?.release();
  });

  it("gives the count back when the lease is released", () => {
    const s = scenario([{}, {}]);
    s.clock.advance(10);
    const r = s.scheduler.schedule(POOL, request({ promptTokens: 30, maxTokens: 70 }));
    expect(r.lease?.tokens).toBe(100);
    expect(r.endpoints[0]!.inFlight).toEqual({ requests: 1, tokens: 100 });
    r.lease!.release();
    expect(r.endpoints[0]!.inFlight).toEqual({ requests: 0, tokens: 0 });
  });
});
