import { describe, expect, it } from "vitest";
import { LeastQueueFilter } from "../../../../src/scheduling/plugins/filter/least-queue-filter.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("least-queue-filter", () => {
  it("keeps the endpoints in the lowest 1/n of the queue range", () => {
    const eps = endpoints([
      { waitingRequests: 0 },
      { waitingRequests: 3 },
      { waitingRequests: 4 },
      { waitingRequests: 12 },
    ]);
    // range 12 / 4 endpoints = 3: queues 0..3 stay
    expect(new LeastQueueFilter().filter(ctx(), request(), eps)).toEqual([eps[0], eps[1]]);
  });

  it("keeps everything when all queues are equal", () => {
    const eps = endpoints([{ waitingRequests: 2 }, { waitingRequests: 2 }]);
    expect(new LeastQueueFilter().filter(ctx(), request(), eps)).toBe(eps);
  });
});
