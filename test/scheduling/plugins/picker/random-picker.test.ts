import { describe, expect, it } from "vitest";
import { RandomPicker } from "../../../../src/scheduling/plugins/picker/random-picker.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("random-picker", () => {
  const eps = endpoints([{}, {}, {}]);

  it("picks every endpoint about equally often, whatever the scores", () => {
    const picker = new RandomPicker();
    const c = ctx(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const [p] = picker.pick(c, request(), eps);
      counts.set(p!.address, (counts.get(p!.address) ?? 0) + 1);
    }
    for (const e of eps) expect(counts.get(e.address)).toBeGreaterThan(850);
  });

  it("returns distinct endpoints up to maxNumOfEndpoints", () => {
    const p = new RandomPicker("r", 5).pick(ctx(), request(), eps);
    expect(new Set(p.map((e) => e.address)).size).toBe(3);
  });
});
