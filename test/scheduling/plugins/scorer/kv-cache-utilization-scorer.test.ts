import { describe, expect, it } from "vitest";
import { KvCacheUtilizationScorer } from "../../../../src/scheduling/plugins/scorer/kv-cache-utilization-scorer.js";
import { endpoints, scoresOf } from "../../helpers.js";

describe("kv-cache-utilization-scorer", () => {
  it("scores 1 - kvCacheUsage", () => {
    const eps = endpoints([{ kvCacheUsage: 0 }, { kvCacheUsage: 0.25 }, { kvCacheUsage: 1 }]);
    expect(scoresOf(new KvCacheUtilizationScorer(), eps)).toEqual([1, 0.75, 0]);
  });
});
