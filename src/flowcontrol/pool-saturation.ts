/**
 * A pool's saturation as flow control gates on it: the scheduler's utilization detector over the
 * pool's ready endpoints (not ejected). Its queue figure is the pushed waiting count plus the requests
 * the router sent since that push (endpoint-load.ts), so between two pushes every dispatch counts at
 * once and the router does not over-admit; a stale endpoint counts as saturated (fail-closed).
 */
import type { SaturationDetectorConfig } from "../scheduling/config/scheduler-config.js";
import { createUtilizationDetector } from "../scheduling/saturation/utilization-detector.js";
import type { Endpoint } from "../state/types.js";

export interface PoolEndpoints {
  endpoints(pool: string): readonly Endpoint[] | undefined;
  isStale(e: Endpoint): boolean;
}

export interface PoolSaturation {
  /** >= 1: no room (also an unknown or empty pool). */
  saturation(pool: string): number;
  /** Whether the pool has a ready endpoint. */
  hasEndpoints(pool: string): boolean;
}

export function createPoolSaturation(
  store: PoolEndpoints,
  thresholds: () => SaturationDetectorConfig,
  isEjected: (e: Endpoint) => boolean = () => false,
): PoolSaturation {
  const usable: Endpoint[] = [];
  const isStale = (e: Endpoint) => store.isStale(e);
  let detectorFor: SaturationDetectorConfig | undefined;
  let detector = createUtilizationDetector(thresholds());
  return {
    saturation(pool) {
      const all = store.endpoints(pool);
      if (all === undefined) return 1;
      const t = thresholds();
      if (t !== detectorFor) {
        detectorFor = t;
        detector = createUtilizationDetector(t);
      }
      usable.length = 0;
      for (const e of all) if (e.ready && !isEjected(e)) usable.push(e);
      const value = detector.utilization(usable, isStale);
      usable.length = 0;
      return value;
    },
    hasEndpoints(pool) {
      return store.endpoints(pool)?.some((e) => e.ready) ?? false;
    },
  };
}
