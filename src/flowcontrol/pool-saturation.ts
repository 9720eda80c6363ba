/**
 * A pool's saturation as flow control gates on it: the scheduler's utilization detector over the
 * pool's ready endpoints (not ejected). Its queue figure is the pushed waiting count plus the requests
 * the router sent since that push (endpoint-load.ts), so between two pushes every dispatch counts at
 * once and the router does not over-admit; a stale endpoint counts as saturated (fail-closed).
 *
 * Finished requests count too (`released`): a request the last push already showed (sent before it was
 * observed) that has finished since has left the engine, so one waiting request less (and its tokens
 * less KV, when the endpoint reports its geometry), until the next push shows it. Without this a
 * completion would free nothing until the next push, and the engines would run underfed between pushes.
 */
import type { SaturationDetectorConfig } from "../scheduling/config/scheduler-config.js";
import type { SaturationDetector } from "../scheduling/saturation/saturation-detector.js";
import { createUtilizationDetector } from "../scheduling/saturation/utilization-detector.js";
import type { Endpoint } from "../state/types.js";
import { createConcurrencyDetector } from "./concurrency-detector.js";
import type { DetectorSpec } from "./config.js";

export interface PoolEndpoints {
  endpoints(pool: string): readonly Endpoint[] | undefined;
  isStale(e: Endpoint): boolean;
}

export interface PoolSaturation {
  /** >= 1: no room (also an unknown or empty pool). */
  saturation(pool: string): number;
  /** Whether the pool has a ready endpoint. */
  hasEndpoints(pool: string): boolean;
  /** A request sent to `address` at `dispatchedAt` (clock ms) with `tokens` finished. */
  released(pool: string, address: string, dispatchedAt: number, tokens: number): void;
}

const UTILIZATION: DetectorSpec = { type: "utilization-detector" };

/** Completions of requests a push already showed, per endpoint, until the next push. */
interface Credit {
  observedAt: number;
  requests: number;
  tokens: number;
}

export function createPoolSaturation(
  store: PoolEndpoints,
  thresholds: () => SaturationDetectorConfig,
  isEjected: (e: Endpoint) => boolean = () => false,
  /** flowControl.saturationDetector; default the utilization detector. */
  detectorSpec: () => DetectorSpec = () => UTILIZATION,
): PoolSaturation {
  const usable: Endpoint[] = [];
  const isStale = (e: Endpoint) => store.isStale(e);
  const credits = new Map<string, Credit>();
  let detectorFor: SaturationDetectorConfig | undefined;
  let specFor: DetectorSpec | undefined;
  let detector: SaturationDetector = createUtilizationDetector(thresholds());
  /** The endpoint as the detector should see it: the push, less what finished since. */
  const credited = (e: Endpoint): Endpoint => {
    const c = credits.get(e.address);
    if (c === undefined) return e;
    if (c.observedAt !== e.observedAt) {
      credits.delete(e.address); // a newer push shows those completions
      return e;
    }
    const m = e.metrics;
    const capacity = m.numBlocks * m.blockSize;
    // Negative waiting offsets the requests sent since the push; the queue figure never drops below 0.
    const metrics = {
      ...m,
      waitingRequests: Math.max(-e.inFlightSincePush.requests, m.waitingRequests - c.requests),
      kvCacheUsage: capacity > 0 ? Math.max(0, m.kvCacheUsage - c.tokens / capacity) : m.kvCacheUsage,
    };
    // A view reading everything else (the ledger's getters, freshness) from the endpoint itself.
    return Object.create(e, { metrics: { value: metrics } }) as Endpoint;
  };
  return {
    saturation(pool) {
      const all = store.endpoints(pool);
      if (all === undefined) return 1;
      const t = thresholds();
      const spec = detectorSpec();
      if (t !== detectorFor || spec !== specFor) {
        detectorFor = t;
        specFor = spec;
        detector =
          spec.type === "concurrency-detector"
            ? createConcurrencyDetector(spec)
            : createUtilizationDetector(t);
      }
      usable.length = 0;
      for (const e of all) if (e.ready && !isEjected(e)) usable.push(credits.size > 0 ? credited(e) : e);
      const value = detector.utilization(usable, isStale);
      usable.length = 0;
      return value;
    },
    hasEndpoints(pool) {
      return store.endpoints(pool)?.some((e) => e.ready) ?? false;
    },
    released(pool, address, dispatchedAt, tokens) {
      const e = store.endpoints(pool)?.find((x) => x.address === address);
      // Sent after the push: the ledger's "since push" count already dropped it.
      if (e === undefined || dispatchedAt > e.observedAt) return;
      let c = credits.get(address);
      if (c === undefined || c.observedAt !== e.observedAt) {
        c = { observedAt: e.observedAt, requests: 0, tokens: 0 };
        credits.set(address, c);
      }
      c.requests++;
      c.tokens += tokens;
    },
  };
}
