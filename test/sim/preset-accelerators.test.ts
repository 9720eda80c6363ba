import { describe, expect, it } from "vitest";
import { builtinAccelerators } from "../../src/scheduling/accelerators.js";
import { runToCompletion } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";
import { kvBlocksOf, type PresetName, presetAccelerators, presets } from "../../src/sim/presets.js";

describe("the Llama-3-8B presets and the router's accelerator table tell the same story", () => {
  for (const name of ["llama3-8b-h100", "llama3-8b-a100-80g", "llama3-8b-l4"] as PresetName[]) {
    it(name, () => {
      const figures = builtinAccelerators[presetAccelerators[name]!]!;
      // KV tokens: the same sizing rule (blocks of 16 round a little down).
      expect(kvBlocksOf(presets[name]) * 16).toBeGreaterThan(figures.kvTokens * 0.99);
      expect(kvBlocksOf(presets[name]) * 16).toBeLessThanOrEqual(figures.kvTokens);
      // A lone request's TPOT at ~1k tokens of context is the table's decode step.
      const { outcomes } = runToCompletion(createEngine({ preset: name }), [
        { id: "solo", promptTokens: 1_000, maxTokens: 48, arrivalMs: 0 },
      ]);
      expect(outcomes[0]!.tpotMs).toBeCloseTo(figures.decodeStepMs, 0);
    });
  }
});
