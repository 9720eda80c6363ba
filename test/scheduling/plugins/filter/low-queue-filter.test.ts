import { describe, expect, it } from "vitest";
import {
  createLowQueueFilter,
  LowQueueFilter,
} from "../../../../src/scheduling/plugins/filter/low-queue-filter.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("low-queue-filter", () => {
  const eps = endpoints([{ waitingRequests: 0 }, { waitingRequests: 128 }, { waitingRequests: 129 }]);

  it("keeps endpoints whose queue is at most the threshold (default 128)", () => {
    expect(new LowQueueFilter().filter(ctx(), request(), eps)).toEqual([eps[0], eps[1]]);
  });

  it("takes the threshold as a parameter", () => {
    const f = createLowQueueFilter("lq", { threshold: 0 }, undefined as never) as LowQueueFilter;
    expect(f.filter(ctx(), request(), eps)).toEqual([eps[0]]);
  });
});
