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

  it("with tieBreak least-recently-picked takes the near-best set in turn, never below it", () => {
    const picker = new NearMaxScorePicker("p", 1, 0.05, "least-recently-picked");
    const c = ctx(3);
    const order: number[] = [];
    for (let i = 0; i < 9; i++) {
      const [p] = picker.pick(c, request(), eps, Float64Array.from([10, 9.6, 9.7, 1]));
      order.push(eps.indexOf(p!));
    }
    // Each of the three near-best endpoints once per round, in the same order every round.
    for (let r = 0; r < 3; r++) expect(new Set(order.slice(3 * r, 3 * r + 3))).toEqual(new Set([0, 1, 2]));
    expect(order.slice(3, 6)).toEqual(order.slice(0, 3));
    expect(order.slice(6, 9)).toEqual(order.slice(0, 3));
  });

  it("with tieBreak least-recently-picked: a dry run does not count as a pick; fallbacks follow the turn", () => {
    const picker = new NearMaxScorePicker("p", 3, 0.05, "least-recently-picked");
    const totals = Float64Array.from([10, 9.6, 9.7, 1]);
    const [first] = picker.pick(ctx(3), request(), eps, totals);
    const dry = ctx(4, true);
    const a = picker.pick(dry, request(), eps, totals);
    const b = picker.pick(dry, request(), eps, totals);
    expect(a[0]).toBe(b[0]);
    expect(a[0]).not.toBe(first);
    // The one picked before comes last among the near-best, the low total after them.
    expect(a.indexOf(first!)).toBe(2);
    expect(picker.pick(ctx(5), request(), eps, Float64Array.from([10, 1, 1, 1]))[0]).toBe(eps[0]);
  });

  it("parses maxNumOfEndpoints (1) and epsilon (0.05) and names a bad value", () => {
    const p = createNearMaxScorePicker("p", {}, deps) as NearMaxScorePicker;
    expect([p.maxNumOfEndpoints, p.epsilon, p.tieBreak]).toEqual([1, 0.05, "random"]);
    expect(() => createNearMaxScorePicker("p", { tieBreak: "lru" }, deps)).toThrow(/tieBreak/);
    expect(() => createNearMaxScorePicker("p", { epsilon: 2 }, deps)).toThrow(/epsilon/);
  });
});
