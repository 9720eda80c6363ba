import { describe, expect, it } from "vitest";
import { runToCompletion } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";

describe("LoRA slots", () => {
  it("with maxLoras 1 holds a second adapter's request until the first adapter's requests finish", () => {
    const engine = createEngine({ preset: "demo", maxLoras: 1 });
    const run = runToCompletion(engine, [
      { id: "a1", promptTokens: 100, maxTokens: 30, adapter: "sql", arrivalMs: 0 },
      { id: "b1", promptTokens: 100, maxTokens: 30, adapter: "chat", arrivalMs: 1 },
      { id: "a2", promptTokens: 100, maxTokens: 30, adapter: "sql", arrivalMs: 2 },
    ]);
    const [a1, b1, a2] = run.outcomes;
    // a2 (same adapter) overtakes b1 in the queue; b1 starts only once no "sql" request runs.
    expect(a2!.firstTokenMs).toBeLessThan(b1!.firstTokenMs);
    expect(b1!.firstTokenMs).toBeGreaterThan(Math.max(a1!.finishMs, a2!.finishMs));
  });

  it("reports running and waiting adapters like vllm:lora_requests_info", () => {
    const engine = createEngine({ preset: "demo", maxLoras: 1 });
    engine.submit({ id: "a", promptTokens: 50, maxTokens: 5, adapter: "sql" }, 0);
    engine.submit({ id: "b", promptTokens: 50, maxTokens: 5, adapter: "chat" }, 0);
    engine.submit({ id: "c", promptTokens: 50, maxTokens: 5 }, 0);
    engine.step(0);
    const m = engine.metrics();
    expect(m.activeAdapters).toEqual(["sql"]);
    expect(m.waitingAdapters).toEqual(["chat"]);
    expect(m.maxAdapters).toBe(1);
    expect(m.runningRequests).toBe(2); // the base-model request needs no slot
    expect(m.waitingRequests).toBe(1);
  });

  it("adds the load time to the step that brings a new adapter in, and not when it is resident", () => {
    const engine = createEngine({ preset: "demo", maxLoras: 2, loraLoadMs: 40 });
    const plain = createEngine({ preset: "demo", maxLoras: 2 });
    const req = { id: "a", promptTokens: 50, maxTokens: 1, adapter: "sql" };
    engine.submit(req, 0);
    plain.submit(req, 0);
    const loaded = engine.step(0).durationMs;
    expect(loaded - plain.step(0).durationMs).toBeCloseTo(40, 9);
    engine.submit({ ...req, id: "b" }, loaded);
    plain.submit({ ...req, id: "b" }, loaded);
    expect(engine.step(loaded).durationMs).toBeCloseTo(plain.step(loaded).durationMs, 9);
  });

  it("refuses adapters when LoRA is disabled", () => {
    const engine = createEngine({ preset: "demo", maxLoras: 0 });
    expect(() => engine.submit({ id: "a", promptTokens: 5, maxTokens: 5, adapter: "sql" }, 0)).toThrow(
      /disabled/,
    );
  });
});
