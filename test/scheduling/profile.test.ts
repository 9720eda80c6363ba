import { describe, expect, it } from "vitest";
import { SchedulerProfile } from "../../src/scheduling/framework/scheduler-profile.js";
import type { Scorer } from "../../src/scheduling/framework/scorer.js";
import { MaxScorePicker } from "../../src/scheduling/plugins/picker/max-score-picker.js";
import { ctx, endpoints, request } from "./helpers.js";

function fixed(name: string, values: number[]): Scorer {
  return {
    type: "fixed",
    name,
    score(_c, _r, eps, out) {
      for (let i = 0; i < eps.length; i++) out[i] = values[i]!;
    },
  };
}

describe("scheduler profile", () => {
  const eps = endpoints([{}, {}, {}]);

  it("sums clamp(score, 0, 1) x weight over scorers, without normalising", () => {
    const profile = new SchedulerProfile(
      "p",
      [],
      [
        { scorer: fixed("a", [1, 0, 0.5]), weight: 2 },
        { scorer: fixed("b", [0, 1.7, -3]), weight: 3 },
      ],
      new MaxScorePicker("m", 3),
      [],
    );
    const r = profile.run(ctx(), request(), eps)!;
    expect(r.endpoints).toEqual([eps[1], eps[0], eps[2]]);
    expect(r.scores).toEqual([3, 2, 1]);
  });

  it("lets weights change the winner", () => {
    const run = (wa: number, wb: number) =>
      new SchedulerProfile(
        "p",
        [],
        [
          { scorer: fixed("a", [1, 0, 0]), weight: wa },
          { scorer: fixed("b", [0, 1, 0]), weight: wb },
        ],
        new MaxScorePicker(),
        [],
      ).run(ctx(), request(), eps)!.endpoints[0];
    expect(run(2, 1)).toBe(eps[0]);
    expect(run(1, 2)).toBe(eps[1]);
  });

  it("fails when a filter leaves nothing, without running later plugins", () => {
    let scored = false;
    const none = { type: "none", name: "none", filter: () => [] };
    const spy: Scorer = {
      type: "spy",
      name: "spy",
      score: () => {
        scored = true;
      },
    };
    const profile = new SchedulerProfile("p", [none], [{ scorer: spy, weight: 1 }], new MaxScorePicker(), []);
    expect(profile.run(ctx(), request(), eps)).toBeNull();
    expect(profile.lastFailedAt).toBe("none");
    expect(scored).toBe(false);
  });
});
