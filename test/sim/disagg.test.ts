import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/core/random.js";
import { kvTransferMs, roleLabels } from "../../src/sim/disagg.js";
import { runToCompletion } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";

const engine = () => createEngine({ preset: "llama3-8b-h100" }, { random: createSeededRandom(1) });

describe("simulator P/D", () => {
  it("a remotely prefilled prompt skips its prefill: the first token comes one short step after admission", () => {
    const long = { id: "r", promptTokens: 6_000, maxTokens: 20, arrivalMs: 0 };
    const local = runToCompletion(engine(), [long]).outcomes[0]!;
    const remote = runToCompletion(engine(), [{ ...long, remotePrefill: true }]).outcomes[0]!;
    // Locally 6,000 tokens take one 8,192-token step of compute (~30 ms); remotely, one decode-sized step.
    expect(local.ttftMs).toBeGreaterThan(25);
    expect(remote.ttftMs).toBeLessThan(15);
    // Decoding is the same work either way.
    expect(remote.tpotMs).toBeCloseTo(local.tpotMs, 1);
  });

  it("a remotely prefilled prompt still takes its KV blocks on the decode engine", () => {
    const e = engine();
    e.submit({ id: "r", promptTokens: 1_600, maxTokens: 5, remotePrefill: true }, 0);
    e.step(0);
    expect(e.metrics().usedBlocks).toBe(100); // 1,600 tokens of 16 per block
  });

  it("KV transfer time is bytes over link bandwidth", () => {
    // 4,000 tokens x 128 KiB (Llama-3-8B) = 524 MB over 50 GB/s = 10.5 ms.
    expect(kvTransferMs(4_000, 131_072, 50e9)).toBeCloseTo(10.49, 2);
  });

  it("pushes the role as llm-d.ai/role, and nothing for a replica that serves both", () => {
    expect(roleLabels("prefill")).toEqual({ "llm-d.ai/role": "prefill" });
    expect(roleLabels("decode")).toEqual({ "llm-d.ai/role": "decode" });
    expect(roleLabels("both")).toEqual({});
  });
});
