/**
 * Upstream's `concurrency-detector`: saturation from the router's own in-flight counts instead of the
 * engines' pushed metrics, so it reacts at once and needs no push. Per endpoint the capacity is
 * `maxConcurrency` requests and `maxTokenConcurrency` tokens (prompt + expected output), each times
 * (1 + headroom); the pool figure is:
 *  - `requests`: aggregate in-flight requests / aggregate request capacity;
 *  - `tokens`: aggregate in-flight tokens / aggregate token capacity;
 *  - `hybrid`: the mean over endpoints of max(request ratio, token ratio).
 * >= 1 = saturated; an empty pool is saturated. Metrics staleness does not matter (nothing pushed is read).
 */

import { z } from "zod";
import type { SaturationDetector } from "../scheduling/saturation/saturation-detector.js";
import type { Endpoint } from "../state/types.js";

export const CONCURRENCY_MODES = ["requests", "tokens", "hybrid"] as const;

/** `concurrency-detector` parameters (upstream names and defaults). */
export const concurrencyDetectorSchema = z.strictObject({
  concurrencyMode: z.enum(CONCURRENCY_MODES).default("requests"),
  /** In-flight requests per endpoint at which it is full. Default 100. */
  maxConcurrency: z.int().positive().default(100),
  /** In-flight tokens per endpoint at which it is full. Default 1,000,000. */
  maxTokenConcurrency: z.int().positive().default(1_000_000),
  /** Burst allowed above the limits, as a fraction (0.1 = 10% more). Default 0. */
  headroom: z.number().min(0).max(10).default(0),
});
export type ConcurrencyDetectorParams = z.output<typeof concurrencyDetectorSchema>;

/**
 * @example
 * const d = createConcurrencyDetector({ concurrencyMode: "requests", maxConcurrency: 100, maxTokenConcurrency: 1e6, headroom: 0 });
 * d.utilization(endpoints, () => false); // 2 endpoints with 50 + 100 in flight: 150 / 200 = 0.75
 */
export function createConcurrencyDetector(p: ConcurrencyDetectorParams): SaturationDetector {
  const maxRequests = p.maxConcurrency * (1 + p.headroom);
  const maxTokens = p.maxTokenConcurrency * (1 + p.headroom);
  return {
    utilization(endpoints: readonly Endpoint[]) {
      const n = endpoints.length;
      if (n === 0) return 1;
      let requests = 0;
      let tokens = 0;
      let hybrid = 0;
      for (const e of endpoints) {
        const f = e.inFlight;
        requests += f.requests;
        tokens += f.tokens;
        hybrid += Math.max(f.requests / maxRequests, f.tokens / maxTokens);
      }
      if (p.concurrencyMode === "requests") return requests / (n * maxRequests);
      if (p.concurrencyMode === "tokens") return tokens / (n * maxTokens);
      return hybrid / n;
    },
  };
}
