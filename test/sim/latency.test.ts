import { describe, expect, it } from "vitest";
import { runToCompletion } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";
import { type PresetName, presets } from "../../src/sim/presets.js";

/** The roofline written out again from the preset's figures, independently of roofline.ts. */
function expectedStepMs(name: PresetName, batchTokens: number, contextTokens: number): number {
  const p = presets[name];
  const memoryS =
    (p.weightBytes + contextTokens * p.kvBytesPerToken) / (p.hbmBytesPerSec * p.memoryEfficiency);
  const computeS = (2 * p.params * batchTokens) / (p.peakFlops * p.computeEfficiency);
  return Math.max(memoryS, computeS) * 1000 + p.stepOverheadMs;
}

describe("a lone request", () => {
  const prompt = 160;
  const output = 340;
  for (const name of Object.keys(presets) as PresetName[]) {
    it(`has the roofline TTFT and TPOT of its preset (${name})`, () => {
      const engine = createEngine({ preset: name });
      const { outcomes } = runToCompletion(engine, [
        { id: "solo", promptTokens: prompt, maxTokens: output, arrivalMs: 1000 },
      ]);
      const o = outcomes[0]!;
      // The prompt is one prefill step (it fits the token budget) that also yields the first token.
      expect(o.ttftMs).toBeCloseTo(expectedStepMs(name, prompt, prompt), 9);
      // Each later token is a one-token decode step reading the KV of the whole context so far.
      let decodeMs = 0;
      for (let emitted = 1; emitted < output; emitted++)
        decodeMs += expectedStepMs(name, 1, prompt + emitted);
      expect(o.tpotMs).toBeCloseTo(decodeMs / (output - 1), 9);
      expect(o.outputTokens).toBe(output);
      expect(o.firstTokenMs).toBeCloseTo(1000 + o.ttftMs, 9);
    });
  }

  it("with a prompt above the token budget prefills in chunks", () => {
    const engine = createEngine({ preset: "llama2-7b-h100", maxNumBatchedTokens: 512 });
    const { outcomes } = runToCompletion(engine, [
      { id: "long", promptTokens: 1200, maxTokens: 2, arrivalMs: 0 },
    ]);
    const chunks = [512, 512, 176];
    let at = 0;
    let ttft = 0;
    for (const n of chunks) {
      at += n;
      ttft += expectedStepMs("llama2-7b-h100", n, at);
    }
    expect(outcomes[0]!.ttftMs).toBeCloseTo(ttft, 9);
    expect(engine.metrics().steps).toBe(4);
  });
});

describe("throughput", () => {
  function tokensPerSecond(concurrency: number): number {
    const engine = createEngine({ preset: "llama2-7b-h100" });
    const requests = Array.from({ length: concurrency }, (_, i) => ({
      id: `r${i}`,
      promptTokens: 160,
      maxTokens: 200,
      arrivalMs: 0,
    }));
    const run = runToCompletion(engine, requests);
    expect(run.metrics.preemptions).toBe(0);
    return (run.metrics.generationTokens / run.endMs) * 1000;
  }

  it("rises with the batch size and saturates", () => {
    const sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    const tps = sizes.map(tokensPerSecond);
    const gains = tps.slice(1).map((v, i) => v / tps[i]!);
    for (const g of gains) expect(g).toBeGreaterThan(1);
    for (let i = 1; i < gains.length; i++) expect(gains[i]!).toBeLessThan(gains[i - 1]!);
    expect(gains[0]!).toBeGreaterThan(1.8); // batch 1 -> 2: almost free (weight-read bound)
    expect(gains.at(-1)!).toBeLessThan(1.5); // 128 -> 256: KV reads dominate
  });
});
