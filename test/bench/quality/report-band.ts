/** The condensed table: each workload at 80 / 90 / 100% of round-robin's saturation point. */
import type { ResultRow } from "./summary.js";

const bandGrids = ["sat:80", "sat:90", "sat:100"];

/** Key columns only, for the README: p90 TTFT / TPOT / e2e, throughput and prefix hits. */
export function bandTable(rows: readonly ResultRow[], strategyOrder: readonly string[]): string {
  const band = rows
    .filter((r) => bandGrids.includes(r.grid))
    .sort(
      (a, b) =>
        a.workload.localeCompare(b.workload) ||
        bandGrids.indexOf(a.grid) - bandGrids.indexOf(b.grid) ||
        strategyOrder.indexOf(a.strategy) - strategyOrder.indexOf(b.strategy),
    );
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return [
    "| workload | load | QPS | strategy | out tok/s | p90 TTFT (ms) | p90 TPOT (ms) | p90 e2e (s) | preempt | prefix hit |",
    "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ...band.map(
      (r) =>
        `| ${r.workload} | ${r.grid.slice(4)}% | ${r.qps} | ${r.strategy} | ${r.throughputTps.toFixed(0)} | ${f(r.ttftP90)} | ${f(r.tpotP90)} | ${(r.e2eP90 / 1000).toFixed(2)} | ${r.preemptions} | ${(r.prefixHitRate * 100).toFixed(1)}% |`,
    ),
  ].join("\n");
}
