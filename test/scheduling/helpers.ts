/** Shared fixtures for scheduler tests: a real PoolStore on a manual clock, requests, a Map prefix index. */
import { createManualClock, type ManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import type { CycleContext } from "../../src/scheduling/framework/plugin.js";
import type { PrefixIndex } from "../../src/scheduling/prefix-index.js";
import type { SchedulingRequest } from "../../src/scheduling/types.js";
import { PoolStore } from "../../src/state/pool-store.js";
import type { Endpoint, EndpointMetrics, SnapshotEndpoint } from "../../src/state/types.js";

export const POOL = "pool";

export interface EndpointSpec extends Partial<EndpointMetrics> {
  ready?: boolean;
  models?: string[];
  /** Pod labels (llm-d.ai/role, accelerator...). */
  labels?: Record<string, string>;
}

export interface Fixture {
  clock: ManualClock;
  store: PoolStore;
  /** Pushes a full snapshot (next sequence) with these endpoints, addresses 10.0.0.<i+1>:8000. */
  push(specs: EndpointSpec[]): void;
  endpoints(): readonly Endpoint[];
}

export function address(i: number): string {
  return `10.0.0.${i + 1}:8000`;
}

export function snapshotEndpoint(i: number, spec: EndpointSpec): SnapshotEndpoint {
  return {
    address: address(i),
    ip: `10.0.0.${i + 1}`,
    port: 8000,
    ready: spec.ready ?? true,
    labels: spec.labels ?? {},
    engine: "sim",
    models: spec.models ?? [],
    metrics: {
      waitingRequests: spec.waitingRequests ?? 0,
      runningRequests: spec.runningRequests ?? 0,
      kvCacheUsage: spec.kvCacheUsage ?? 0,
      activeAdapters: spec.activeAdapters ?? [],
      waitingAdapters: spec.waitingAdapters ?? [],
      maxAdapters: spec.maxAdapters ?? 0,
      blockSize: spec.blockSize ?? 0,
      numBlocks: spec.numBlocks ?? 0,
    },
  };
}

export function createFixture(specs: EndpointSpec[] = [], staleAfterMs = 2_000): Fixture {
  const clock = createManualClock(1_000_000);
  const store = new PoolStore({ clock, staleAfterMs });
  store.configurePools([{ name: POOL, targetPorts: [8000] }]);
  let sequence = 0n;
  const push = (s: EndpointSpec[]) => {
    sequence++;
    store.push({
      pool: POOL,
      source: "test",
      sequence,
      observedAt: clock.now(),
      endpoints: s.map((e, i) => snapshotEndpoint(i, e)),
    });
  };
  if (specs.length > 0) push(specs);
  return { clock, store, push, endpoints: () => store.endpoints(POOL) ?? [] };
}

/** Endpoints as plain objects, for plugin unit tests that need no store. */
export function endpoints(specs: EndpointSpec[]): Endpoint[] {
  const f = createFixture(specs);
  return [...f.endpoints()];
}

export function request(over: Partial<SchedulingRequest> = {}): SchedulingRequest {
  return {
    requestId: "r1",
    targetModel: "base",
    priority: 0,
    promptTokens: 100,
    maxTokens: 100,
    prefixHashes: [],
    ...over,
  };
}

export function ctx(seed = 1, dryRun = false): CycleContext {
  return { random: createSeededRandom(seed), dryRun };
}

/** Runs a scorer-like `score` and returns the scores as an array. */
export function scoresOf(
  scorer: { score(c: CycleContext, r: SchedulingRequest, e: readonly Endpoint[], out: Float64Array): void },
  eps: readonly Endpoint[],
  req: SchedulingRequest = request(),
): number[] {
  const out = new Float64Array(eps.length);
  scorer.score(ctx(), req, eps, out);
  return Array.from(out);
}

/** A trivial exact prefix index: per address, the set of hashes recorded. */
export class MapPrefixIndex implements PrefixIndex {
  readonly held = new Map<string, Set<number>>();
  matchLengths(hashes: readonly number[], addresses: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const a of addresses) {
      const set = this.held.get(a);
      if (!set) continue;
      let n = 0;
      while (n < hashes.length && set.has(hashes[n]!)) n++;
      if (n > 0) out.set(a, n);
    }
    return out;
  }
  record(address: string, hashes: readonly number[]): void {
    let set = this.held.get(address);
    if (!set) {
      set = new Set();
      this.held.set(address, set);
    }
    for (const h of hashes) set.add(h);
  }
  purge(keep: (address: string) => boolean): void {
    for (const a of [...this.held.keys()]) if (!keep(a)) this.held.delete(a);
  }
  size(): { entries: number; bytes: number } {
    let entries = 0;
    for (const s of this.held.values()) entries += s.size;
    return { entries, bytes: entries * 8 };
  }
}

/** Distinct chain-like hashes for prompt `id` of `blocks` blocks. */
export function hashes(id: number, blocks: number): number[] {
  return Array.from({ length: blocks }, (_, i) => (id * 1_000_003 + i * 7919) >>> 0);
}
