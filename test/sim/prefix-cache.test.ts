import { describe, expect, it } from "vitest";
import { runToCompletion } from "../../src/sim/driver.js";
import { createEngine } from "../../src/sim/engine.js";
import { chainBlockKeys, promptFromText } from "../../src/sim/prefix-keys.js";

const longText = Array.from({ length: 400 }, (_, i) => `line ${i} of the system prompt.`).join("\n");

describe("prefix caching", () => {
  it("gives a repeated long prompt a cache hit and a shorter TTFT", () => {
    const { promptTokens, prefixKeys } = promptFromText(longText);
    expect(promptTokens).toBe(Math.ceil(longText.length / 4));
    expect(prefixKeys.length).toBe(Math.floor(longText.length / 64));
    const engine = createEngine({ preset: "llama2-7b-h100" });
    const run = runToCompletion(engine, [
      { id: "first", promptTokens, prefixKeys, maxTokens: 10, arrivalMs: 0 },
      { id: "again", promptTokens, prefixKeys, maxTokens: 10, arrivalMs: 1000 },
    ]);
    const [first, again] = run.outcomes;
    expect(again!.ttftMs).toBeLessThan(first!.ttftMs);
    const cachedBlocks = Math.min(prefixKeys.length, Math.floor((promptTokens - 1) / 16));
    expect(run.metrics.prefixCacheHits).toBe(cachedBlocks * 16);
    expect(run.metrics.prefixCacheQueries).toBe(2 * promptTokens);
  });

  it("tells each request how many of its prompt tokens came from the cache", () => {
    const { promptTokens, prefixKeys } = promptFromText(longText);
    const engine = createEngine({ preset: "llama2-7b-h100" });
    engine.submit({ id: "first", promptTokens, prefixKeys, maxTokens: 3 }, 0);
    let t = 0;
    const cached: Record<string, number> = {};
    const drain = () => {
      while (engine.hasWork()) {
        const r = engine.step(Math.max(t, engine.nextStepAt() ?? t));
        for (const req of r.firstToken) cached[req.id] = engine.cachedTokens(req.id);
        t = r.endMs;
      }
    };
    drain();
    engine.submit({ id: "again", promptTokens, prefixKeys, maxTokens: 3 }, t + 1000);
    t += 1000;
    drain();
    expect(cached.first).toBe(0);
    expect(cached.again).toBe(Math.min(prefixKeys.length, Math.floor((promptTokens - 1) / 16)) * 16);
  });

  it("caches output blocks when the keys run past the prompt, so the next chat turn hits the answer", () => {
    const question = longText.slice(0, 64 * 10); // 10 blocks of prompt
    const answer = "the answer, word by word. ".repeat(40).slice(0, 64 * 8); // 8 blocks of output
    const next = "and a follow-up question? ".repeat(10);
    const turn1 = promptFromText(question + answer);
    const turn2 = promptFromText(question + answer + next);
    const engine = createEngine({ preset: "llama2-7b-h100" });
    const withAnswerKeys = runToCompletion(engine, [
      { id: "t1", promptTokens: 160, prefixKeys: turn1.prefixKeys, maxTokens: 128, arrivalMs: 0 },
      { id: "t2", ...turn2, maxTokens: 5, arrivalMs: 5000 },
    ]);
    // The second turn finds the question (10 blocks) and the answer cached: 7 of its 8 blocks, since
    // the KV of the last generated token is never computed (the request ends with it), as in vLLM.
    expect(withAnswerKeys.metrics.prefixCacheHits).toBe(17 * 16);

    const promptOnly = runToCompletion(createEngine({ preset: "llama2-7b-h100" }), [
      { id: "t1", ...promptFromText(question), maxTokens: 128, arrivalMs: 0 },
      { id: "t2", ...turn2, maxTokens: 5, arrivalMs: 5000 },
    ]);
    expect(promptOnly.metrics.prefixCacheHits).toBe(10 * 16);
  });

  it("shares only the common leading blocks of two prompts", () => {
    const engine = createEngine({ preset: "llama3-8b-h100" });
    const a = promptFromText(longText + " question A? ".repeat(50));
    const b = promptFromText(longText.slice(0, 640) + "something else entirely. ".repeat(200));
    const run = runToCompletion(engine, [
      { id: "a", ...a, maxTokens: 5, arrivalMs: 0 },
      { id: "b", ...b, maxTokens: 5, arrivalMs: 1000 },
    ]);
    expect(run.metrics.prefixCacheHits).toBe(10 * 16); // 640 characters = 10 blocks of 16 tokens
  });

  it("does not share blocks across LoRA adapters", () => {
    const engine = createEngine({ preset: "llama2-7b-h100" });
    const p = promptFromText(longText);
    const run = runToCompletion(engine, [
      { id: "a", ...p, adapter: "sql", maxTokens: 5, arrivalMs: 0 },
      { id: "b", ...p, adapter: "chat", maxTokens: 5, arrivalMs: 1000 },
    ]);
    expect(run.metrics.prefixCacheHits).toBe(0);
  });

  it("chains block keys so a block matches only after an equal prefix", () => {
    const x = chainBlockKeys([1, 2, 3], 3, undefined);
    const y = chainBlockKeys([9, 2, 3], 3, undefined);
    const z = chainBlockKeys(["1", 2, 3], 3, undefined);
    expect(x[0]).not.toBe(y[0]);
    expect(x[2]).not.toBe(y[2]);
    expect(chainBlockKeys([1, 2], 2, undefined)).toEqual(x.slice(0, 2));
    expect(z[0]).not.toBe(x[0]);
    for (const k of x) expect(Number.isSafeInteger(k)).toBe(true);
  });

  it("evicts idle cached prefixes when the pool needs the space", () => {
    const engine = createEngine({ preset: "demo", numBlocks: 64 });
    const p = promptFromText(longText.slice(0, 64 * 40)); // 40 blocks
    const other = promptFromText("x".repeat(64 * 40) + "tail");
    const run = runToCompletion(engine, [
      { id: "a", ...p, maxTokens: 2, arrivalMs: 0 },
      { id: "b", ...other, maxTokens: 2, arrivalMs: 1000 },
      { id: "c", ...p, maxTokens: 2, arrivalMs: 2000 },
    ]);
    // a held 41 blocks (40 prompt + 1 for its output); 23 were never used. b takes 41: a's keyless
    // block, the 23 unused ones, then 17 of a's idle prompt blocks from the tail end; c finds 23.
    expect(run.metrics.prefixCacheHits).toBe(23 * 16);
  });
});
