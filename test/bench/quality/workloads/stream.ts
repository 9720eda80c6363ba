/** A run point's request stream: arrivals (Poisson or bursty) joined with a workload's contents. */
import { createSeededRandom } from "../../../../src/core/random.js";
import { arrivalTimes } from "./distributions.js";
import type { BenchRequest, Workload } from "./workload.js";

/** Options of one stream. */
export interface StreamOptions {
  qps: number;
  durationMs: number;
  seed: number;
  /** Gamma shape of inter-arrival times; 1 = Poisson (default). */
  burstiness?: number;
}

/**
 * The requests of one run point, in arrival order. Arrivals and contents use separate seeded
 * generators, so the same seed gives the same stream, whatever the strategy.
 */
export function generateStream(workload: Workload, o: StreamOptions): BenchRequest[] {
  const random = createSeededRandom(o.seed);
  const arrivals = workload.arrivals
    ? workload.arrivals(random, o.qps, o.durationMs)
    : arrivalTimes(random, o.qps, o.durationMs, o.burstiness ?? 1);
  const next = workload.contents(createSeededRandom((o.seed ^ 0x5bd1e995) >>> 0), o.qps);
  return arrivals.map((arrivalMs) => ({ arrivalMs, ...next() }));
}
