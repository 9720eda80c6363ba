import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/core/random.js";
import { agenticShape, agenticWorkload } from "../bench/quality/workloads/agentic.js";
import { burstyShape, onOffArrivals } from "../bench/quality/workloads/bursty.js";
import { popularPrefixShape, popularPrefixWorkload } from "../bench/quality/workloads/popular-prefix.js";
import { generateStream } from "../bench/quality/workloads/stream.js";

describe("the bursty workload's on/off arrivals", () => {
  it("sends nothing in the off phases and keeps the offered mean rate", () => {
    const qps = 50;
    const durationMs = 400_000;
    const times = onOffArrivals(createSeededRandom(1), qps, durationMs);
    const cycle = burstyShape.onMs + burstyShape.offMs;
    expect(times.every((t) => t % cycle < burstyShape.onMs)).toBe(true);
    expect(times.length / (durationMs / 1000)).toBeCloseTo(qps, 0);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("runs at twice the mean rate while on", () => {
    const times = onOffArrivals(createSeededRandom(2), 40, 200_000);
    const onSeconds = (200_000 / (burstyShape.onMs + burstyShape.offMs)) * (burstyShape.onMs / 1000);
    expect(times.length / onSeconds).toBeGreaterThan(76);
    expect(times.length / onSeconds).toBeLessThan(84);
  });
});

describe("the agentic workload", () => {
  const requests = generateStream(agenticWorkload, { qps: 50, durationMs: 60_000, seed: 4 });

  it("re-sends a growing context: many prompts extend an earlier prompt of the stream by a tool call and its output", () => {
    let extended = 0;
    const seen = new Set<string>();
    for (const r of requests) {
      // A prompt extends an earlier one when that one's whole hash chain is its prefix.
      for (let k = r.hashes.length - 1; k > 0; k--) {
        if (seen.has(r.hashes.slice(0, k).join(","))) {
          if (r.hashes.length - k > 4) extended++;
          break;
        }
      }
      seen.add(r.hashes.join(","));
    }
    expect(extended / requests.length).toBeGreaterThan(0.5);
  });

  it("keeps every prompt plus its answer inside the context window, with long prompts and short answers", () => {
    for (const r of requests)
      expect(r.promptTokens + r.maxTokens).toBeLessThanOrEqual(agenticShape.contextTokens);
    const meanPrompt = requests.reduce((a, r) => a + r.promptTokens, 0) / requests.length;
    const meanAnswer = requests.reduce((a, r) => a + r.maxTokens, 0) / requests.length;
    expect(meanPrompt).toBeGreaterThan(1_500);
    expect(meanAnswer).toBeLessThan(120);
  });
});

describe("the popular-prefix workload (issue 17's live setting)", () => {
  const requests = generateStream(popularPrefixWorkload, { qps: 50, durationMs: 60_000, seed: 6 });
  // The first hash block of a request opening with a system prompt is that prompt's; unique turns
  // open with their own text, so their first block is (almost surely) seen once.
  const firstBlocks = new Map<number, number>();
  // (A turn shorter than one block has no hash: left out.)
  for (const r of requests) {
    if (r.hashes.length > 0) firstBlocks.set(r.hashes[0]!, (firstBlocks.get(r.hashes[0]!) ?? 0) + 1);
  }

  it("opens about half of the requests with one of 20 system prompts", () => {
    const popular = [...firstBlocks.values()].filter((n) => n > 1);
    expect(popular.length).toBe(popularPrefixShape.systemPrompts);
    const hashed = requests.filter((r) => r.hashes.length > 0).length;
    const shared = popular.reduce((a, n) => a + n, 0) / hashed;
    expect(shared).toBeGreaterThan(0.45);
    expect(shared).toBeLessThan(0.55);
  });

  it("gives shared requests a ~600-token prefix on top of their own turn", () => {
    const popularFirst = new Set([...firstBlocks].filter(([, n]) => n > 1).map(([h]) => h));
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    const shared = requests.filter((r) => popularFirst.has(r.hashes[0]!)).map((r) => r.promptTokens);
    const unique = requests
      .filter((r) => r.hashes.length > 0 && !popularFirst.has(r.hashes[0]!))
      .map((r) => r.promptTokens);
    expect(mean(shared) - mean(unique)).toBeGreaterThan(550);
    expect(mean(shared) - mean(unique)).toBeLessThan(650);
  });
});
