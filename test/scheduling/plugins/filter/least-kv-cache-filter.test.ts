import { describe, expect, it } from "vitest";
import { LeastKvCacheFilter } from "../../../../src/scheduling/plugins/filter/least-kv-cache-filter.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("least-kv-cache-filter", () => {
  it("keeps the endpoints in the lowest 1/n of the KV-usage range", () => {
    const eps = endpoints([{ kvCacheUsage: 0.1 }, { kvCacheUsage: 0.3 }, { kvCacheUsage: 0.7 }]);
    // range 0.6 / 3 = 0.2: usage up to 0.3 stays
    expect(new LeastKvCacheFilter().filter(ctx(), request(), eps)).toEqual([eps[0], eps[1]]);
  });
});
