import { describe, expect, it } from "vitest";
import { LeastRequestPicker } from "../../../../src/scheduling/plugins/picker/least-request-picker.js";
import { createFixture, ctx, endpoints, POOL, request } from "../../helpers.js";

describe("least-request-picker", () => {
  it("picks the endpoints with the fewest waiting + running requests, fewest first", () => {
    const eps = endpoints([
      { waitingRequests: 2, runningRequests: 2 },
      { waitingRequests: 0, runningRequests: 1 },
      { waitingRequests: 1, runningRequests: 1 },
    ]);
    const p = new LeastRequestPicker("l", 2).pick(ctx(), request(), eps);
    expect(p).toEqual([eps[1], eps[2]]);
  });

  it("counts the router's requests sent since the last push", () => {
    const f = createFixture([{}, {}]);
    f.clock.advance(1);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 1);
    expect(new LeastRequestPicker().pick(ctx(), request(), f.endpoints())[0]).toBe(f.endpoints()[1]);
  });
});
