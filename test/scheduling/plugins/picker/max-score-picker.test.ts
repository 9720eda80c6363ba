import { describe, expect, it } from "vitest";
import {
  createMaxScorePicker,
  MaxScorePicker,
} from "../../../../src/scheduling/plugins/picker/max-score-picker.js";
import { ctx, endpoints, request } from "../../helpers.js";

const eps = endpoints([{}, {}, {}, {}]);
const addrs = (list: { address: string }[]) => list.map((e) => e.address);

describe("max-score-picker", () => {
  it("picks the endpoint with the highest total", () => {
    const picked = new MaxScorePicker().pick(ctx(), request(), eps, Float64Array.from([1, 3, 2, 0]));
    expect(addrs(picked)).toEqual([eps[1]!.address]);
  });

  it("returns maxNumOfEndpoints endpoints, best first", () => {
    const picked = new MaxScorePicker("m", 3).pick(ctx(), request(), eps, Float64Array.from([1, 3, 2, 0]));
    expect(addrs(picked)).toEqual([eps[1]!.address, eps[2]!.address, eps[0]!.address]);
  });

  it("breaks ties at random, so every tied endpoint wins sometimes", () => {
    const picker = new MaxScorePicker();
    const c = ctx(7);
    const wins = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const [p] = picker.pick(c, request(), eps, Float64Array.from([2, 1, 2, 2]));
      wins.set(p!.address, (wins.get(p!.address) ?? 0) + 1);
    }
    expect(wins.get(eps[1]!.address)).toBeUndefined();
    for (const i of [0, 2, 3]) expect(wins.get(eps[i]!.address)).toBeGreaterThan(250);
  });

  it("breaks ties at random for fallbacks too", () => {
    const picker = new MaxScorePicker("m", 2);
    const c = ctx(3);
    const seconds = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = picker.pick(c, request(), eps, Float64Array.from([5, 1, 1, 1]));
      expect(p[0]!.address).toBe(eps[0]!.address);
      seconds.add(p[1]!.address);
    }
    expect(seconds.size).toBe(3);
  });

  it("is reproducible with the same seed", () => {
    const run = () =>
      Array.from({ length: 20 }, () => 0).map(
        () => new MaxScorePicker().pick(ctx(9), request(), eps, new Float64Array(4))[0]!.address,
      );
    expect(run()).toEqual(run());
  });

  it("refuses maxNumOfEndpoints below 1, naming the plugin", () => {
    expect(() => createMaxScorePicker("mp", { maxNumOfEndpoints: 0 }, undefined as never)).toThrow(
      /plugin "mp" \(max-score-picker\): parameters.maxNumOfEndpoints/,
    );
  });
});
