import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  createNearMaxScorePicker,
  NearMaxScorePicker,
} from "../../../../src/scheduling/plugins/picker/near-max-score-picker.js";
import { ctx, endpoints, request } from "../../helpers.js";

const eps = endpoints([{}, {}, {}, {}]);
const deps = { prefixIndexFactory: undefined, metrics: noopSchedulerMetrics, plugin: () => undefined };

function wins(picker: NearMaxScorePicker, totals: number[], n = 1000): number[] {
  const c = ctx(11);
  const count = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [p] = picker.pick(c, request(), eps, Float64Array.from(totals));
    count[eps.indexOf(p!)]!++;
  }
  return count;
}

describe("near-max-score-picker", () => {
  it("picks uniformly among endpoints within epsilon of the best total, never below it", () => {
    // best 10, epsilon 0.05: the floor is 9.5, so 10 and 9.6 qualify and 9.4 does not.
    const count = wins(new NearMaxScorePicker("p", 1, 0.05), [10, 9.6, 9.4, 1]);
    expect(count[2]).toBe(0);
    expect(count[3]).toBe(0);
    expect(count[0]).toBeGreaterThan(400);
    expect(count[1]).toBeGreaterThan(400);
  });

  it("is max-score-picker with epsilon 0", () => {
    expect(wins(new NearMaxScorePicker("p", 1, 0), [10, 9.99, 3, 1])).toEqual([1000, 0, 0, 0]);
  });

  it("returns the near-best set first, then the others by total", () => {
    const picker = new NearMaxScorePicker("p", 4, 0.1);
    const firsts = new Set<number>();
    const c = ctx(5);
    for (let i = 0; i < 100; i++) {
      const picked = picker.pick(c, request(), eps, Float64Array.from([1, 10, 5, 9.5]));
      expect(new Set(picked.slice(0, 2).map((e) => eps.indexOf(e)))).toEqual(new Set([1, 3]));
      expect(picked.slice(2).map((e) => eps.indexOf(e))).toEqual([2, 0]);
      firsts.add(eps.indexOf(picked[0]!));
    }
    expect(firsts).toEqual(new Set([1, 3]));
  });

  it("parses maxNumOfEndpoints (1) and epsilon (0.05) and names a bad value", () => {
    const p = createNearMaxScorePicker("p", {}, deps) as NearMaxScorePicker;
    expect([p.maxNumOfEndpoints, p.epsilon]).toEqual([1, 0.05]);
    expect(() => createNearMaxScorePicker("p", { epsilon: 2 }, deps)).toThrow(/epsilon/);
  });
});
