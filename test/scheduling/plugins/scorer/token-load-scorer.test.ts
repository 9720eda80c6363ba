import { describe, expect, it } from "vitest";
import { TokenLoadScorer } from "../../../../src/scheduling/plugins/scorer/token-load-scorer.js";
import { createFixture, endpoints, POOL, scoresOf } from "../../helpers.js";

describe("token-load-scorer", () => {
  it("scores by KV tokens in use (usage x blocks x block size), fewer = higher", () => {
    const eps = endpoints([
      { kvCacheUsage: 0.5, numBlocks: 1000, blockSize: 16 },
      { kvCacheUsage: 0.25, numBlocks: 1000, blockSize: 16 },
      { kvCacheUsage: 0, numBlocks: 1000, blockSize: 16 },
    ]);
    expect(scoresOf(new TokenLoadScorer(), eps)).toEqual([0, 0.5, 1]);
  });

  it("adds the estimated tokens of requests sent since the last push", () => {
    const f = createFixture([{}, {}, {}]);
    f.clock.advance(1);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 1000);
    f.store.acquire(POOL, f.endpoints()[1]!.address, 500);
    expect(scoresOf(new TokenLoadScorer(), f.endpoints())).toEqual([0, 0.5, 1]);
  });
});
