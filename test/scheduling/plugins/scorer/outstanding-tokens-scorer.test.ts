import { describe, expect, it } from "vitest";
import {
  createOutstandingTokensScorer,
  OutstandingTokensScorer,
  outstandingTokens,
} from "../../../../src/scheduling/plugins/scorer/outstanding-tokens-scorer.js";
import { createFixture, endpoints, POOL, scoresOf } from "../../helpers.js";

describe("outstanding-tokens-scorer", () => {
  it("scores (min + smoothing) / (load + smoothing) over the router's outstanding tokens", () => {
    const f = createFixture([{}, {}, {}]);
    const eps = f.endpoints();
    f.store.acquire(POOL, eps[1]!.address, 1_000);
    f.store.acquire(POOL, eps[2]!.address, 3_000);
    expect(scoresOf(new OutstandingTokensScorer("o", 1_000), eps)).toEqual([1, 0.5, 0.25]);
  });

  it("uses the pushed KV tokens when they exceed the router's own count (work from other routers)", () => {
    const eps = endpoints([{ kvCacheUsage: 0.5, numBlocks: 100, blockSize: 16 }, {}]);
    expect(outstandingTokens(eps[0]!)).toBe(800);
    expect(scoresOf(new OutstandingTokensScorer("o", 800), eps)).toEqual([0.5, 1]);
  });

  it("keeps the router's outstanding work after a push that does not show it yet", () => {
    const f = createFixture([{}, {}]);
    f.clock.advance(5);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 500);
    f.push([{}, {}]); // observed now: the request is no longer "since push", still outstanding
    expect(outstandingTokens(f.endpoints()[0]!)).toBe(500);
  });

  it("scores 1 everywhere when loads are equal", () => {
    expect(scoresOf(new OutstandingTokensScorer(), endpoints([{}, {}]))).toEqual([1, 1]);
  });

  it("with decayPushed takes the router's own completions since the push off the pushed KV tokens", () => {
    // 1,600 KV tokens pushed on endpoint 0, of which the router's 2 requests of 600 ledger tokens.
    const f = createFixture([{}, {}]);
    f.clock.advance(5);
    const leases = [0, 1].map(() => f.store.acquire(POOL, f.endpoints()[0]!.address, 600)!);
    f.clock.advance(5);
    f.push([
      { kvCacheUsage: 1, numBlocks: 100, blockSize: 16 },
      { kvCacheUsage: 0.5, numBlocks: 100, blockSize: 16 },
    ]);
    const decayed = new OutstandingTokensScorer("o", 800, true);
    expect(scoresOf(decayed, f.endpoints())).toEqual([(800 + 800) / (1_600 + 800), 1]);
    leases[0]!.release();
    // Undecayed still 1,600 vs 800; decayed 1,600 x (1 - 600 / 1,600) = 1,000.
    expect(scoresOf(new OutstandingTokensScorer("o", 800), f.endpoints())).toEqual([
      (800 + 800) / (1_600 + 800),
      1,
    ]);
    expect(scoresOf(decayed, f.endpoints())).toEqual([(800 + 800) / (1_000 + 800), 1]);
    leases[1]!.release();
  });

  it("parses smoothingTokens (default 1024) and names a bad value", () => {
    const deps = { prefixIndexFactory: undefined, metrics: {} as never, plugin: () => undefined };
    expect((createOutstandingTokensScorer("o", {}, deps) as OutstandingTokensScorer).smoothingTokens).toBe(
      1024,
    );
    expect(() => createOutstandingTokensScorer("o", { smoothingTokens: 0 }, deps)).toThrow(/smoothingTokens/);
  });
});
