import { describe, expect, it } from "vitest";
import { SheddableCapacityFilter } from "../../../../src/scheduling/plugins/filter/sheddable-capacity-filter.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("sheddable-capacity-filter", () => {
  const eps = endpoints([
    { waitingRequests: 5, kvCacheUsage: 0.8 },
    { waitingRequests: 6, kvCacheUsage: 0.1 },
    { waitingRequests: 0, kvCacheUsage: 0.9 },
  ]);

  it("passes everything for requests that are not sheddable", () => {
    expect(new SheddableCapacityFilter().filter(ctx(), request({ priority: 0 }), eps)).toBe(eps);
  });

  it("keeps only endpoints under both thresholds (queue 5, KV 0.8) for sheddable requests", () => {
    expect(new SheddableCapacityFilter().filter(ctx(), request({ priority: -1 }), eps)).toEqual([eps[0]]);
  });
});
