import { describe, expect, it } from "vitest";
import { BlockPool } from "../../src/sim/block-pool.js";
import { runToCompletion } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";

describe("the KV block pool", () => {
  it("keeps released prompt blocks cached and evicts the least recently freed first", () => {
    const pool = new BlockPool(4);
    const [a, b, c, d] = [pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()];
    pool.register(a, 101);
    pool.register(b, 102);
    pool.register(c, 103);
    expect(pool.freeBlocks).toBe(0);
    pool.release([a]);
    pool.release([b, c, d]);
    expect(pool.freeBlocks).toBe(4);
    expect(pool.cached(101)).toBe(a);
    // d holds no prefix: reused first; then a (freed first), then c (a prompt's tail goes before its head).
    expect(pool.allocate()).toBe(d);
    expect(pool.allocate()).toBe(a);
    expect(pool.cached(101)).toBe(-1);
    expect(pool.allocate()).toBe(c);
    expect(pool.cached(102)).toBe(b);
  });

  it("shares a cached block and frees it only when its last user lets go", () => {
    const pool = new BlockPool(2);
    const a = pool.allocate();
    pool.register(a, 7);
    pool.touch(a);
    pool.release([a]);
    expect(pool.freeBlocks).toBe(1);
    pool.release([a]);
    expect(pool.freeBlocks).toBe(2);
    pool.touch(pool.cached(7));
    expect(pool.freeBlocks).toBe(1);
    expect(pool.refCount(a)).toBe(1);
  });
});

describe("KV exhaustion", () => {
  it("preempts the newest running request and still finishes everyone", () => {
    const engine = createEngine({ preset: "demo", numBlocks: 40 });
    const requests = Array.from({ length: 8 }, (_, i) => ({
      id: `r${i}`,
      promptTokens: 100,
      maxTokens: 200,
      arrivalMs: i,
    }));
    const run = runToCompletion(engine, requests);
    expect(run.metrics.preemptions).toBeGreaterThan(0);
    expect(run.outcomes.every((o) => o.outputTokens === 200)).toBe(true);
    // The oldest request is never the victim; the last-admitted ones take the hits.
    expect(run.outcomes[0]!.preemptions).toBe(0);
    expect(run.outcomes.at(-1)!.preemptions).toBeGreaterThan(0);
    expect(run.metrics.usedBlocks).toBe(0);
  });

  it("hurts the tail latency compared with a cache large enough", () => {
    const requests = Array.from({ length: 8 }, (_, i) => ({
      id: `r${i}`,
      promptTokens: 100,
      maxTokens: 200,
      arrivalMs: 0,
    }));
    const small = runToCompletion(createEngine({ preset: "demo", numBlocks: 40 }), requests);
    const large = runToCompletion(createEngine({ preset: "demo", numBlocks: 400 }), requests);
    const worst = (r: typeof small) => Math.max(...r.outcomes.map((o) => o.e2eMs));
    expect(worst(small)).toBeGreaterThan(worst(large));
  });

  it("rejects a request that could never fit, naming the limit", () => {
    const engine = createEngine({ preset: "demo", numBlocks: 10 });
    expect(() => engine.submit({ id: "big", promptTokens: 150, maxTokens: 20 }, 0)).toThrow(
      /maximum context length is 160 tokens/,
    );
  });
});

describe("cancel", () => {
  it("frees the blocks of a running request and forgets a waiting one", () => {
    const engine = createEngine({ preset: "demo", maxNumSeqs: 2 });
    engine.submit({ id: "a", promptTokens: 300, maxTokens: 50 }, 0);
    engine.submit({ id: "b", promptTokens: 300, maxTokens: 50 }, 0);
    engine.submit({ id: "c", promptTokens: 300, maxTokens: 50 }, 0);
    let t = engine.step(0).endMs;
    t = engine.step(t).endMs;
    const before = engine.metrics();
    expect(before.runningRequests).toBe(2);
    expect(before.waitingRequests).toBe(1);
    expect(before.usedBlocks).toBe(2 * Math.ceil(302 / 16));

    expect(engine.cancel("a")).toBe(true);
    expect(engine.metrics().usedBlocks).toBe(Math.ceil(302 / 16));
    expect(engine.cancel("c")).toBe(true);
    expect(engine.metrics().waitingRequests).toBe(0);
    expect(engine.cancel("c")).toBe(false);
    expect(engine.cancel("b")).toBe(true);
    const after = engine.metrics();
    expect(after.usedBlocks).toBe(0);
    expect(after.kvCacheUsage).toBe(0);
    expect(after.cancelledRequests).toBe(3);
    expect(engine.hasWork()).toBe(false);
    expect(engine.nextStepAt()).toBeUndefined();
    expect(engine.step(t).batchSize).toBe(0);
  });
});
