/** Percentiles of a live point, and the ordering check against the virtual-time run. */
import { quantile } from "../summary.js";
import type { LiveOutcome } from "./load.js";

/** One live (strategy, QPS) point. */
export interface LiveRow {
  strategy: string;
  qps: number;
  requests: number;
  failed: number;
  ttftP50: number;
  ttftP90: number;
  tpotP50: number;
  tpotP90: number;
  e2eP50: number;
  e2eP90: number;
  /** Prefix-cache hits / queries summed over the replicas' /metrics. */
  prefixHitRate: number;
  /** Preemptions summed over the replicas' /metrics (vllm:num_preemptions_total), whole run. */
  preemptions?: number;
}

/** Summarizes outcomes (warm-up = the first third of the requests by arrival, left out). */
export function summarizeLive(
  strategy: string,
  qps: number,
  outcomes: readonly LiveOutcome[],
  maxTokens: readonly number[],
  prefixHitRate: number,
): LiveRow {
  const from = Math.floor(outcomes.length / 3);
  const measured = outcomes.slice(from).filter((o) => o.ok);
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  const ttft = sorted(measured.map((o) => o.ttftMs));
  const e2e = sorted(measured.map((o) => o.e2eMs));
  const tpot = sorted(
    outcomes
      .map((o, i) => ({ o, n: maxTokens[i]! }))
      .slice(from)
      .filter(({ o, n }) => o.ok && n > 1)
      .map(({ o, n }) => (o.e2eMs - o.ttftMs) / (n - 1)),
  );
  return {
    strategy,
    qps,
    requests: outcomes.length,
    failed: outcomes.filter((o) => !o.ok).length,
    ttftP50: quantile(ttft, 0.5),
    ttftP90: quantile(ttft, 0.9),
    tpotP50: quantile(tpot, 0.5),
    tpotP90: quantile(tpot, 0.9),
    e2eP50: quantile(e2e, 0.5),
    e2eP90: quantile(e2e, 0.9),
    prefixHitRate,
  };
}

/** Markdown table of live rows. */
export function liveTable(rows: readonly LiveRow[]): string {
  const f = (x: number) => x.toFixed(x >= 100 ? 0 : 1);
  return [
    "| strategy | QPS | requests | failed | TTFT p50 / p90 (ms) | TPOT p90 (ms) | e2e p50 / p90 (s) | prefix hit |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.strategy} | ${r.qps} | ${r.requests} | ${r.failed} | ${f(r.ttftP50)} / ${f(r.ttftP90)} | ${f(r.tpotP90)} | ${(r.e2eP50 / 1000).toFixed(2)} / ${(r.e2eP90 / 1000).toFixed(2)} | ${(r.prefixHitRate * 100).toFixed(1)}% |`,
    ),
  ].join("\n");
}

/** Markdown table of live rows with preemptions and errors (the cross-check's table). */
export function liveTableWithPreemptions(rows: readonly LiveRow[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : 1) : "-");
  const s = (x: number) => (Number.isFinite(x) ? (x / 1000).toFixed(2) : "-");
  return [
    "| front door | QPS | requests | errors | TTFT p50 / p90 (ms) | TPOT p50 / p90 (ms) | e2e p50 / p90 (s) | preemptions | prefix hit |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.strategy} | ${r.qps} | ${r.requests} | ${r.failed} | ${f(r.ttftP50)} / ${f(r.ttftP90)} | ${f(r.tpotP50)} / ${f(r.tpotP90)} | ${s(r.e2eP50)} / ${s(r.e2eP90)} | ${r.preemptions ?? "-"} | ${(r.prefixHitRate * 100).toFixed(1)}% |`,
    ),
  ].join("\n");
}
