import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { resolveEngineConfig } from "../../src/sim/config.js";
import { runToCompletion } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";
import type { EngineRequest } from "../../src/sim/engine-types.js";

/** Ids in the order their first token came out. */
function firstTokenOrder(engine: ReturnType<typeof createEngine>, until = 10_000): string[] {
  const order: string[] = [];
  let t = 0;
  while (engine.hasWork() && t < until) {
    const r = engine.step(t);
    t = r.endMs;
    for (const q of r.firstToken) order.push(q.id);
  }
  return order;
}

describe("schedulingPolicy priority (vLLM --scheduling-policy priority)", () => {
  it("serves the waiting queue by priority (lower first), then arrival", () => {
    // One sequence at a time, so the admission order is the queue order.
    const requests: (EngineRequest & { at: number })[] = [
      { id: "batch-1", promptTokens: 50, maxTokens: 5, priority: 1, at: 0 },
      { id: "batch-2", promptTokens: 50, maxTokens: 5, priority: 1, at: 1 },
      { id: "default", promptTokens: 50, maxTokens: 5, at: 2 },
      { id: "critical-1", promptTokens: 50, maxTokens: 5, priority: -2, at: 3 },
      { id: "critical-2", promptTokens: 50, maxTokens: 5, priority: -2, at: 4 },
    ];
    const run = (policy: "fcfs" | "priority") => {
      const engine = createEngine({ preset: "demo", maxNumSeqs: 1, schedulingPolicy: policy });
      for (const { at, ...r } of requests) {
        const req = policy === "fcfs" ? { ...r, priority: 0 } : r;
        engine.submit(req, at);
      }
      return firstTokenOrder(engine);
    };
    // All five are queued before the first step; batch-1 is not started yet either.
    expect(run("priority")).toEqual(["critical-1", "critical-2", "default", "batch-1", "batch-2"]);
    expect(run("fcfs")).toEqual(["batch-1", "batch-2", "default", "critical-1", "critical-2"]);
  });

  it("preempts the running request with the highest (priority, arrival), not the newest", () => {
    // 40 blocks of 16 tokens: three 100-token prompts growing to 300 tokens cannot all fit.
    const requests = [
      { id: "batch-old", promptTokens: 100, maxTokens: 200, priority: 5, arrivalMs: 0 },
      { id: "critical-a", promptTokens: 100, maxTokens: 200, priority: -1, arrivalMs: 1 },
      { id: "critical-b", promptTokens: 100, maxTokens: 200, priority: -1, arrivalMs: 2 },
    ];
    const prio = runToCompletion(
      createEngine({ preset: "demo", numBlocks: 40, schedulingPolicy: "priority" }),
      requests,
    );
    const byId = (r: typeof prio) => new Map(r.outcomes.map((o) => [o.id, o.preemptions]));
    expect(prio.metrics.preemptions).toBeGreaterThan(0);
    expect(byId(prio).get("batch-old")).toBeGreaterThan(0);
    expect(byId(prio).get("critical-a")).toBe(0);
    expect(byId(prio).get("critical-b")).toBe(0);
    expect(prio.outcomes.every((o) => o.outputTokens === 200)).toBe(true);
    expect(prio.metrics.usedBlocks).toBe(0);
    // fcfs with the same requests (priorities dropped) preempts the newest: the oldest is never hit.
    const fcfs = runToCompletion(
      createEngine({ preset: "demo", numBlocks: 40 }),
      requests.map((r) => ({ ...r, priority: 0 })),
    );
    expect(byId(fcfs).get("batch-old")).toBe(0);
    expect(byId(fcfs).get("critical-b")).toBeGreaterThan(0);
  });

  it("refuses a non-zero priority under fcfs (as vLLM does), naming the field", () => {
    const engine = createEngine({ preset: "demo" });
    let err: unknown;
    try {
      engine.submit({ id: "x", promptTokens: 10, maxTokens: 5, priority: 3 }, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RouterError);
    expect((err as RouterError).message).toContain("priority 3");
    expect(engine.hasWork()).toBe(false);
    engine.submit({ id: "y", promptTokens: 10, maxTokens: 5, priority: 0 }, 0);
    expect(engine.hasWork()).toBe(true);
    expect(() =>
      createEngine({ preset: "demo", schedulingPolicy: "priority" }).submit(
        { id: "z", promptTokens: 10, maxTokens: 5, priority: 1.5 },
        0,
      ),
    ).toThrow(/priority 1.5 is not an integer/);
  });

  it("refuses an unknown policy name and defaults to fcfs", () => {
    expect(resolveEngineConfig({ preset: "demo" }).schedulingPolicy).toBe("fcfs");
    expect(() => resolveEngineConfig({ preset: "demo", schedulingPolicy: "lifo" as "fcfs" })).toThrow(
      /schedulingPolicy: "lifo" is not fcfs or priority/,
    );
  });
});
