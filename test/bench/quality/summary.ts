/** One run point's row: throughput in the measurement window and latency percentiles. */
import type { SimulationResult } from "./simulation.js";
import type { BenchRequest } from "./workloads/workload.js";

/** What the tables, CSV and charts show for one (workload, strategy, QPS). */
export interface ResultRow {
  workload: string;
  /** Engine profile (engines.ts). */
  engine: string;
  /** Metrics push period, ms. */
  pushIntervalMs: number;
  /** Router replicas splitting the traffic. */
  routers: number;
  /** Router replicas share in-flight every this many ms; absent or 0 = no sharing. */
  peerIntervalMs?: number;
  strategy: string;
  /** Offered load, requests/s. */
  qps: number;
  /** Label of the grid the point belongs to ("abs" or "sat:<percent>"). */
  grid: string;
  requests: number;
  /** Mean output tokens per request of the stream. */
  outputTokensPerRequest: number;
  /** Completions per second in the window. */
  throughputRps: number;
  /** Output tokens per second in the window. */
  throughputTps: number;
  ttftP50: number;
  ttftP90: number;
  ttftP99: number;
  tpotP50: number;
  tpotP90: number;
  tpotP99: number;
  e2eP50: number;
  e2eP90: number;
  e2eP99: number;
  /** p90 of e2e / output tokens (upstream's "normalized time per output token"), ms. */
  ntpotP90: number;
  preemptions: number;
  /** Engine prefix-cache hits / queries (tokens), 0..1. */
  prefixHitRate: number;
}

/** The q-quantile (0..1) of `sorted` (nearest rank). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[k]!;
}

/**
 * Latencies over requests that arrived inside [window) (the warm-up is left out), throughput over
 * completions and output tokens inside it.
 */
export function summarize(
  requests: readonly BenchRequest[],
  r: SimulationResult,
  window: readonly [number, number],
  labels: {
    workload: string;
    engine: string;
    pushIntervalMs: number;
    routers: number;
    peerIntervalMs?: number;
    strategy: string;
    qps: number;
    grid: string;
  },
): ResultRow {
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  const ntpot: number[] = [];
  let completed = 0;
  let outputTokens = 0;
  for (let i = 0; i < requests.length; i++) {
    const req = requests[i]!;
    outputTokens += req.maxTokens;
    const fin = r.finishMs[i]!;
    if (fin >= window[0] && fin < window[1]) completed++;
    if (req.arrivalMs < window[0] || req.arrivalMs >= window[1]) continue;
    const first = r.firstTokenMs[i]! - req.arrivalMs;
    const total = fin - req.arrivalMs;
    ttft.push(first);
    e2e.push(total);
    ntpot.push(total / req.maxTokens);
    if (req.maxTokens > 1) tpot.push((total - first) / (req.maxTokens - 1));
  }
  const sorted = (a: number[]) => Float64Array.from(a).sort();
  const [t, p, e] = [sorted(ttft), sorted(tpot), sorted(e2e)];
  const seconds = (window[1] - window[0]) / 1000;
  return {
    ...labels,
    requests: requests.length,
    outputTokensPerRequest: requests.length > 0 ? outputTokens / requests.length : 0,
    throughputRps: completed / seconds,
    throughputTps: r.windowOutputTokens / seconds,
    ttftP50: quantile(t, 0.5),
    ttftP90: quantile(t, 0.9),
    ttftP99: quantile(t, 0.99),
    tpotP50: quantile(p, 0.5),
    tpotP90: quantile(p, 0.9),
    tpotP99: quantile(p, 0.99),
    e2eP50: quantile(e, 0.5),
    e2eP90: quantile(e, 0.9),
    e2eP99: quantile(e, 0.99),
    ntpotP90: quantile(sorted(ntpot), 0.9),
    preemptions: r.preemptions,
    prefixHitRate: r.prefixCacheQueries > 0 ? r.prefixCacheHits / r.prefixCacheQueries : 0,
  };
}
