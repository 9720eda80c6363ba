/**
 * The prefix index's Map-free lookup (matchLengthsInto, with its cache of resolved tables) and the
 * scorer/filter path that uses it must decide exactly as the plain Map lookup does.
 */
import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../../src/core/random.js";
import { defaultSchedulerConfig } from "../../../src/scheduling/config/default-config.js";
import { noopSchedulerMetrics } from "../../../src/scheduling/metrics.js";
import {
  createPrefixCacheScorer,
  lookupMatchLengths,
  PrefixCacheScorer,
  prefixCacheScorerType,
} from "../../../src/scheduling/plugins/scorer/prefix-cache-scorer.js";
import { createPrefixIndex } from "../../../src/scheduling/prefix/lru-prefix-index.js";
import type { PrefixIndex } from "../../../src/scheduling/prefix-index.js";
import { builtinPlugins, type PluginRegistry } from "../../../src/scheduling/registry.js";
import { createScheduler } from "../../../src/scheduling/scheduler.js";
import type { SchedulingRequest } from "../../../src/scheduling/types.js";
import type { Lease } from "../../../src/state/in-flight.js";
import type { Endpoint } from "../../../src/state/types.js";
import { address, createFixture, type EndpointSpec, POOL, request } from "../helpers.js";

/** Deterministic pseudo-random uint32 hashes. */
function hashes(count: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out.push(s);
  }
  return out;
}

/**
 * prefix-cache-scorer without the shared lookup: every read (the filter's, the score's) looks the
 * index up afresh, into a new array.
 */
class FreshLookupScorer extends PrefixCacheScorer {
  override prefixMatchLengths(req: SchedulingRequest, endpoints: readonly Endpoint[]): Int32Array {
    const out = new Int32Array(endpoints.length);
    lookupMatchLengths(
      this.prefixIndex,
      req.prefixHashes,
      endpoints.map((e) => e.address),
      out,
    );
    return out;
  }
}

/** The built-ins, with prefix-cache-scorer replaced by FreshLookupScorer. */
const freshLookupRegistry = new Map(builtinPlugins).set(prefixCacheScorerType, (name, parameters, deps) => {
  const p = createPrefixCacheScorer(name, parameters, deps) as PrefixCacheScorer;
  return new FreshLookupScorer(name, p.prefixIndex, p.prefixHashing, noopSchedulerMetrics);
});

/** The same index seen only through matchLengths (the plain path every reader falls back to). */
function plain(index: PrefixIndex): PrefixIndex {
  return {
    matchLengths: (h, a) => index.matchLengths(h, a),
    record: (a, h) => index.record(a, h),
    purge: (keep) => index.purge(keep),
    size: () => index.size(),
  };
}

describe("matchLengthsInto", () => {
  it("agrees with matchLengths as tables are created and purged and the addresses change", () => {
    const index = createPrefixIndex({ lruCapacityPerServer: 64 });
    const out = new Int32Array(8);
    const rng = createSeededRandom(3);
    const prompts = Array.from({ length: 6 }, (_, i) => [...hashes(10, 1 + (i % 3)), ...hashes(5, 100 + i)]);
    let addresses = [0, 1, 2, 3].map(address);
    for (let step = 0; step < 300; step++) {
      const p = prompts[Math.floor(rng.next() * prompts.length)]!;
      if (step % 7 === 0) index.record(address(Math.floor(rng.next() * 6)), p);
      if (step % 50 === 49) index.purge((a) => a !== address(Math.floor(rng.next() * 6)));
      if (step % 30 === 29) addresses = [0, 1, 2, 3, 4, 5].filter(() => rng.next() < 0.7).map(address);
      const hits = index.matchLengthsInto!(p, addresses, out);
      const map = index.matchLengths(p, addresses);
      expect(Array.from(out.subarray(0, addresses.length))).toEqual(addresses.map((a) => map.get(a) ?? 0));
      expect(hits).toBe(map.size);
    }
  });
});

describe("the default profile on the Map-free path with the shared lookup", () => {
  it("picks exactly as with a fresh Map lookup for every read over a seeded run with pushes, leases and departures", () => {
    const spec = (i: number, step: number): EndpointSpec => ({
      numBlocks: 1_000,
      blockSize: 16,
      kvCacheUsage: ((i * 37 + step * 11) % 10) / 100,
      runningRequests: (i * 5 + step) % 9,
      waitingRequests: (i + step) % 3,
    });
    const build = (wrap: (i: PrefixIndex) => PrefixIndex, registry?: PluginRegistry) => {
      const f = createFixture([0, 1, 2, 3, 4, 5].map((i) => spec(i, 0)));
      const scheduler = createScheduler({
        store: f.store,
        config: defaultSchedulerConfig({ maxNumOfEndpoints: 3 }),
        random: createSeededRandom(9),
        prefixIndexFactory: (o) => wrap(createPrefixIndex(o)),
        ...(registry ? { registry } : {}),
      });
      return { f, scheduler, leases: [] as Lease[] };
    };
    const fast = build((i) => i);
    const slow = build(plain, freshLookupRegistry);
    // Nested prefixes of one base, so holders match different lengths and the scores differ.
    const base = hashes(60, 7);
    const groups = Array.from({ length: 5 }, (_, g) => [...base.slice(0, 20 + 8 * g), ...hashes(10, 50 + g)]);
    const rng = createSeededRandom(5);
    for (let step = 0; step < 600; step++) {
      const g = groups[Math.floor(rng.next() * groups.length)]!;
      const req = request({
        requestId: `r${step}`,
        prefixHashes: [...g, ...hashes(Math.floor(rng.next() * 8), 1_000 + step)],
        promptTokens: 200 + Math.floor(rng.next() * 2_000),
        maxTokens: 128,
      });
      const endpointsNow = step > 300 && step < 400 ? 5 : 6;
      const picks: string[][] = [];
      for (const s of [fast, slow]) {
        s.f.clock.advance(10);
        if (step % 20 === 0) {
          s.f.push(Array.from({ length: endpointsNow }, (_, i) => spec(i, step)));
        }
        const r = s.scheduler.schedule(POOL, req);
        picks.push(r.endpoints.map((e) => e.address));
        if (r.lease) s.leases.push(r.lease);
        if (s.leases.length > 12) s.leases.shift()!.release();
      }
      expect(picks[0]).toEqual(picks[1]);
    }
  });
});
