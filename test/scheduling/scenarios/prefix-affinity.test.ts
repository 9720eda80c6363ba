import { describe, expect, it } from "vitest";
import { hashes, POOL, request } from "../helpers.js";
import { scenario } from "./scenario-helpers.js";

/** A 6,000-character system prompt is 93 blocks of 64; each user turn adds two blocks of its own. */
function prompt(turn: number): number[] {
  return [...hashes(1, 93), ...hashes(1000 + turn, 2)];
}

describe("prefix-cache affinity", () => {
  it("routes requests sharing a long system prompt back to the endpoint that served it", () => {
    const s = scenario([{}, {}, {}]);
    s.clock.advance(10);
    const first = s.scheduler.schedule(POOL, request({ prefixHashes: prompt(0) }));
    first.lease?.release();
    for (let turn = 1; turn <= 10; turn++) {
      const r = s.scheduler.schedule(POOL, request({ prefixHashes: prompt(turn) }));
      expect(r.endpoints[0]).toBe(first.endpoints[0]);
      r.lease?.release();
    }
  });

  it("goes elsewhere once that endpoint is overloaded", () => {
    const s = scenario([{}, {}, {}]);
    s.clock.advance(10);
    const first = s.scheduler.schedule(POOL, request({ prefixHashes: prompt(0) }));
    first.lease?.release();
    const i = s.endpoints().indexOf(first.endpoints[0]!);
    s.clock.advance(10);
    // The engines report their KV geometry (1,000 blocks of 16 tokens), so the held tokens are visible.
    const kv = { numBlocks: 1_000, blockSize: 16 };
    s.push(
      [0, 1, 2].map((j) =>
        j === i ? { ...kv, waitingRequests: 40, kvCacheUsage: 0.95 } : { ...kv, kvCacheUsage: 0.1 },
      ),
    );
    const r = s.scheduler.schedule(POOL, request({ prefixHashes: prompt(1) }));
    expect(r.endpoints[0]).not.toBe(first.endpoints[0]);
  });

  it("does not record anything on a dry run", () => {
    const s = scenario([{}, {}]);
    s.scheduler.schedule(POOL, request({ prefixHashes: prompt(0) }), { dryRun: true });
    expect(s.index.size().entries).toBe(0);
  });
});
