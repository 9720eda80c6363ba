import { describe, expect, it } from "vitest";
import { LoraAffinityScorer } from "../../../../src/scheduling/plugins/scorer/lora-affinity-scorer.js";
import { endpoints, request, scoresOf } from "../../helpers.js";

describe("lora-affinity-scorer", () => {
  it("scores 1 active, 0.8 room to load, 0.6 waiting, 0 full", () => {
    const eps = endpoints([
      { activeAdapters: ["sql"], maxAdapters: 1 },
      { activeAdapters: ["a"], maxAdapters: 4 },
      { activeAdapters: ["a", "b"], waitingAdapters: ["sql"], maxAdapters: 2 },
      { activeAdapters: ["a", "b"], maxAdapters: 2 },
    ]);
    expect(scoresOf(new LoraAffinityScorer(), eps, request({ targetModel: "sql" }))).toEqual([
      1, 0.8, 0.6, 0,
    ]);
  });
});
