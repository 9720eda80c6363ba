import { describe, expect, it } from "vitest";
import { WeightedRandomPicker } from "../../../../src/scheduling/plugins/picker/weighted-random-picker.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("weighted-random-picker", () => {
  const eps = endpoints([{}, {}, {}]);

  it("picks in proportion to the weighted totals and never a zero-score endpoint first", () => {
    const picker = new WeightedRandomPicker();
    const c = ctx(11);
    const counts = [0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const [p] = picker.pick(c, request(), eps, Float64Array.from([3, 1, 0]));
      counts[eps.indexOf(p!)]!++;
    }
    expect(counts[2]).toBe(0);
    expect(counts[0]! / counts[1]!).toBeGreaterThan(2.4);
    expect(counts[0]! / counts[1]!).toBeLessThan(3.6);
  });

  it("picks uniformly when every score is 0", () => {
    const picker = new WeightedRandomPicker("w", 2);
    const p = picker.pick(ctx(), request(), eps, new Float64Array(3));
    expect(p).toHaveLength(2);
    expect(p[0]).not.toBe(p[1]);
  });
});
