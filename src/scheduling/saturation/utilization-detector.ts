/**
 * The utilization saturation detector (upstream's default): per endpoint
 * min(1, max(queue / queueDepthThreshold, kvCacheUsage / kvCacheUtilThreshold)), a stale endpoint
 * counts as 1.0; the pool figure is the mean, so the pool is saturated (>= 1) only when every
 * endpoint is. The cap keeps one badly overloaded pod from making a pool with idle pods look full.
 * Queue = pushed waiting + the router's requests sent since that push.
 */
import type { Endpoint } from "../../state/types.js";
import type { SaturationDetectorConfig } from "../config/scheduler-config.js";
import { effectiveQueue } from "../endpoint-load.js";
import type { SaturationDetector } from "./saturation-detector.js";

export const defaultSaturationThresholds: SaturationDetectorConfig = {
  queueDepthThreshold: 5,
  kvCacheUtilThreshold: 0.8,
};

/** One endpoint's utilization, 0..1. */
export function endpointUtilization(e: Endpoint, t: SaturationDetectorConfig): number {
  const q = effectiveQueue(e) / t.queueDepthThreshold;
  const kv = e.metrics.kvCacheUsage / t.kvCacheUtilThreshold;
  const u = Math.max(q, kv);
  return Math.min(u, 1);
}

export function createUtilizationDetector(
  thresholds: SaturationDetectorConfig = defaultSaturationThresholds,
): SaturationDetector {
  return {
    utilization(endpoints, isStale) {
      const n = endpoints.length;
      if (n === 0) return 1;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const e = endpoints[i]!;
        sum += isStale(e) ? 1 : endpointUtilization(e, thresholds);
      }
      return sum / n;
    },
  };
}
