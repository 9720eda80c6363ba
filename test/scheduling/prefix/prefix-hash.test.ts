import { xxHash32 } from "js-xxhash";
import { describe, expect, it } from "vitest";
import { hashPrompt } from "../../../src/scheduling/prefix/prefix-hash.js";

/** The definition, spelt out: concatenate, cut into blocks of characters, chain xxHash32 of each block's UTF-8. */
function reference(parts: string[], model: string, blockSize = 64, maxBlocks = 256): number[] {
  const text = parts.join("");
  const out: number[] = [];
  let prev = xxHash32(model, 0);
  for (let at = 0; at + blockSize <= text.length && out.length < maxBlocks; at += blockSize) {
    prev = xxHash32(new TextEncoder().encode(text.slice(at, at + blockSize)), prev);
    out.push(prev);
  }
  return out;
}

const SYSTEM = "You are a careful assistant. ".repeat(20); // 580 chars
const chat = (turns: string[]): string[] =>
  turns.flatMap((t, i) => [i % 2 ? "assistant\n" : "user\n", t, "\u0000"]);

describe("hashPrompt", () => {
  it("gives the same hashes for the same prompt", () => {
    expect(hashPrompt(SYSTEM, "m")).toEqual(hashPrompt(SYSTEM, "m"));
    expect(hashPrompt(SYSTEM, "m").length).toBe(Math.floor(SYSTEM.length / 64));
  });

  it("hashes parts exactly as their concatenation, wherever the parts are cut", () => {
    const text = `${SYSTEM}tail of the prompt that goes on for a while longer than a block`;
    const whole = hashPrompt(text, "m");
    const cuts = [1, 63, 64, 65, 200, 577];
    const parts = cuts.map((c, i) => text.slice(i === 0 ? 0 : (cuts[i - 1] ?? 0), c));
    parts.push(text.slice(cuts[cuts.length - 1]));
    expect(hashPrompt(parts, "m")).toEqual(whole);
  });

  it("shares leading hashes for a shared system prompt and diverges after it", () => {
    const a = hashPrompt([SYSTEM, "question one ".repeat(20)], "m");
    const b = hashPrompt([SYSTEM, "another thing ".repeat(20)], "m");
    const shared = Math.floor(SYSTEM.length / 64);
    expect(a.slice(0, shared)).toEqual(b.slice(0, shared));
    expect(a[shared]).not.toBe(b[shared]);
    // Divergence propagates: every later block differs too, because each hash seeds the next.
    for (let i = shared; i < Math.min(a.length, b.length); i++) expect(a[i]).not.toBe(b[i]);
  });

  it("makes a shorter conversation's hashes a prefix of the longer conversation's", () => {
    const turns = ["What is the capital of France? Please answer in detail.", "Paris. ".repeat(30)];
    const short = hashPrompt([SYSTEM, ...chat(turns)], "m");
    const long = hashPrompt(
      [SYSTEM, ...chat([...turns, "And of Italy? Tell me about its history too."])],
      "m",
    );
    expect(long.length).toBeGreaterThan(short.length);
    expect(long.slice(0, short.length)).toEqual(short);
  });

  it("seeds the chain with the model, so different models give different hashes", () => {
    const a = hashPrompt(SYSTEM, "llama-3-8b");
    const b = hashPrompt(SYSTEM, "llama-3-8b-lora-sql");
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(a[i]).not.toBe(b[i]);
  });

  it("caps the number of blocks at maxPrefixBlocksToMatch", () => {
    const long = "x".repeat(64 * 300);
    expect(hashPrompt(long, "m")).toHaveLength(256);
    expect(hashPrompt(long, "m", { maxPrefixBlocksToMatch: 10 })).toHaveLength(10);
    expect(hashPrompt(long, "m", { maxPrefixBlocksToMatch: 10 })).toEqual(hashPrompt(long, "m").slice(0, 10));
  });

  it("ignores a partial trailing block", () => {
    const base = "y".repeat(128);
    expect(hashPrompt(base, "m")).toHaveLength(2);
    expect(hashPrompt(`${base}${"z".repeat(63)}`, "m")).toEqual(hashPrompt(base, "m"));
    expect(hashPrompt("short", "m")).toEqual([]);
  });

  it("honours blockSize and returns uint32 values", () => {
    const hashes = hashPrompt("abcdefgh".repeat(4), "m", { blockSize: 8 });
    expect(hashes).toHaveLength(4);
    for (const h of hashes) expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    // Same text in each block, different hashes: the chain makes position part of the key.
    expect(new Set(hashes).size).toBe(4);
  });

  it("hashes non-ASCII text by its characters", () => {
    const text = "日本語のシステムプロンプト。".repeat(10);
    const hashes = hashPrompt(text, "m");
    expect(hashes).toHaveLength(Math.floor(text.length / 64));
    expect(hashPrompt(text.replace("日", "月"), "m")[0]).not.toBe(hashes[0]);
  });

  it("matches the definition on ASCII, non-ASCII and mixed parts, cut anywhere", () => {
    const ascii = "The quick brown fox jumps over the lazy dog. ".repeat(30);
    const mixed = `${ascii.slice(0, 300)}Grüße, 日本語 and emoji 🙂 inside${ascii.slice(300)}`;
    const cases: [string[], number, number][] = [
      [[ascii], 64, 256],
      [[mixed], 64, 256],
      [[ascii.slice(0, 100), "ü", ascii.slice(100, 700), "日本", ascii.slice(700)], 64, 256],
      [[mixed.slice(0, 333), mixed.slice(333, 334), mixed.slice(334)], 64, 256],
      [[ascii], 7, 256],
      [[mixed], 16, 5],
      [["", ascii.slice(0, 10), "", ascii.slice(10, 2000)], 64, 3],
      [["x".repeat(64 * 300)], 64, 256],
    ];
    for (const [parts, blockSize, maxBlocks] of cases) {
      const got = hashPrompt(parts, "llama", { blockSize, maxPrefixBlocksToMatch: maxBlocks });
      expect(got).toEqual(reference(parts, "llama", blockSize, maxBlocks));
    }
  });

  it("gives the same answer after a prompt that needed a larger buffer", () => {
    const small = hashPrompt("a".repeat(640), "m");
    hashPrompt("ß".repeat(64 * 256 * 2), "m");
    expect(hashPrompt("a".repeat(640), "m")).toEqual(small);
    expect(small).toEqual(reference(["a".repeat(640)], "m"));
  });
});
