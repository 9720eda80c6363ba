import { describe, expect, it } from "vitest";
import { RoundRobinPicker } from "../../../../src/scheduling/plugins/picker/round-robin-picker.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("round-robin-picker", () => {
  const eps = endpoints([{}, {}, {}]);

  it("cycles through the candidates with the next ones as fallbacks", () => {
    const picker = new RoundRobinPicker("rr", 2);
    const c = ctx();
    const picks = [0, 1, 2, 3].map(() => picker.pick(c, request(), eps).map((e) => eps.indexOf(e)));
    expect(picks).toEqual([
      [0, 1],
      [1, 2],
      [2, 0],
      [0, 1],
    ]);
  });

  it("does not advance on a dry run", () => {
    const picker = new RoundRobinPicker();
    expect(picker.pick(ctx(1, true), request(), eps)[0]).toBe(eps[0]);
    expect(picker.pick(ctx(), request(), eps)[0]).toBe(eps[0]);
    expect(picker.pick(ctx(), request(), eps)[0]).toBe(eps[1]);
  });
});
