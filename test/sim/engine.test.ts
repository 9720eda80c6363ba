import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { createSeededRandom, randomInt } from "../../src/core/random.js";
import { resolveEngineConfig } from "../../src/sim/config.js";
import { runToCompletion, type TimedRequest } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";

/** A mixed workload: shared system prompts, two adapters, bursts of arrivals. */
function workload(seed: number, count: number): TimedRequest[] {
  const rng = createSeededRandom(seed);
  let t = 0;
  return Array.from({ length: count }, (_, i) => {
    t += rng.next() * 40;
    const system = randomInt(rng, 3);
    const shared = 4 + randomInt(rng, 8);
    const promptTokens = shared * 16 + 1 + randomInt(rng, 200);
    const adapter = [undefined, "sql", "chat"][randomInt(rng, 3)];
    return {
      id: `r${i}`,
      promptTokens,
      maxTokens: 1 + randomInt(rng, 150),
      prefixKeys: Array.from({ length: shared }, (_, b) => `sys${system}-${b}`),
      ...(adapter ? { adapter } : {}),
      arrivalMs: t,
    };
  });
}

describe("the engine", () => {
  it("is deterministic for a seed", () => {
    const run = (seed: number) =>
      runToCompletion(
        createEngine(
          { preset: "demo", numBlocks: 80, stepJitter: 0.2 },
          { random: createSeededRandom(seed) },
        ),
        workload(11, 150),
      );
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8).outcomes).not.toEqual(a.outcomes);
  });

  it("finishes every submitted request exactly once, with all its tokens", () => {
    const engine = createEngine({ preset: "demo", numBlocks: 60, maxLoras: 1 });
    const requests = workload(3, 200);
    const tokens = new Map<string, number>();
    const firsts = new Map<string, number>();
    const finished = new Map<string, number>();
    const bump = (m: Map<string, number>, id: string) => m.set(id, (m.get(id) ?? 0) + 1);
    let t = 0;
    let next = 0;
    while (next < requests.length || engine.hasWork()) {
      if (!engine.hasWork()) t = Math.max(t, requests[next]!.arrivalMs);
      while (next < requests.length && requests[next]!.arrivalMs <= t)
        engine.submit(requests[next]!, requests[next++]!.arrivalMs);
      const r = engine.step(t);
      t = r.endMs;
      for (const q of r.emitted) bump(tokens, q.id);
      for (const q of r.firstToken) bump(firsts, q.id);
      for (const q of r.finished) bump(finished, q.id);
    }
    const m = engine.metrics();
    expect(m.preemptions).toBeGreaterThan(0);
    expect(m.prefixCacheHits).toBeGreaterThan(0);
    expect(m.finishedRequests).toBe(requests.length);
    for (const r of requests) {
      expect(finished.get(r.id)).toBe(1);
      expect(firsts.get(r.id)).toBe(1);
      expect(tokens.get(r.id)).toBe(r.maxTokens);
    }
    expect(m.usedBlocks).toBe(0);
    expect(m.runningRequests + m.waitingRequests).toBe(0);
  });

  it("starts a step no earlier than the end of the previous one or the arrival that woke it", () => {
    const engine = createEngine({ preset: "demo" });
    engine.submit({ id: "a", promptTokens: 10, maxTokens: 3 }, 500);
    expect(engine.nextStepAt()).toBe(500);
    const first = engine.step(400);
    expect(first.startMs).toBe(500);
    const end = first.endMs; // the result object is reused by the next step
    expect(engine.nextStepAt()).toBe(end);
    expect(engine.step(end - 1).startMs).toBe(end);
  });

  it("refuses duplicate ids and bad sizes with the field named", () => {
    const engine = createEngine({ preset: "demo" });
    engine.submit({ id: "a", promptTokens: 10, maxTokens: 3 }, 0);
    expect(() => engine.submit({ id: "a", promptTokens: 10, maxTokens: 3 }, 0)).toThrow(/already/);
    try {
      engine.submit({ id: "b", promptTokens: 0, maxTokens: 3 }, 0);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RouterError);
      expect((err as RouterError).field).toBe("promptTokens");
    }
  });
});

describe("engine configuration", () => {
  it("derives the KV block counts documented for the presets", () => {
    expect(resolveEngineConfig({ preset: "llama2-7b-h100" }).numBlocks).toBe(7353);
    expect(resolveEngineConfig({ preset: "llama3-8b-h100" }).numBlocks).toBe(28181);
    expect(resolveEngineConfig({ preset: "demo" }).numBlocks).toBe(150);
  });

  it("applies overrides and caps the context length by the KV capacity", () => {
    const c = resolveEngineConfig({ preset: "llama3-8b-h100", numBlocks: 100, maxNumSeqs: 8 });
    expect(c.maxNumSeqs).toBe(8);
    expect(c.maxModelLen).toBe(1600);
  });

  it("names the bad option", () => {
    expect(() => resolveEngineConfig({ memoryEfficiency: 1.5 })).toThrow(
      /memoryEfficiency: 1.5 is not in \(0, 1\]/,
    );
    expect(() => resolveEngineConfig({ maxNumSeqs: 2.5 })).toThrow(/maxNumSeqs/);
    // @ts-expect-error: an unknown preset from an untyped config
    expect(() => resolveEngineConfig({ preset: "gpt-9" })).toThrow(/unknown "gpt-9"/);
    expect(() => resolveEngineConfig({ preset: "demo", weightBytes: 10e9 })).toThrow(
      /no room for a KV cache/,
    );
  });
});
