/** Markdown tables of result rows. */
import type { ResultRow } from "./summary.js";

const header =
  "| strategy | QPS | req/s | out tok/s | TTFT p50 / p90 / p99 (ms) | TPOT p50 / p90 / p99 (ms) | e2e p50 / p90 / p99 (s) | preempt | prefix hit |";
const rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|";

const ms = (x: number) => (x >= 1000 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const s = (x: number) => (x / 1000).toFixed(x >= 100_000 ? 0 : 2);

/** One row as a table line. */
export function tableLine(r: ResultRow): string {
  return `| ${r.strategy} | ${r.qps} | ${r.throughputRps.toFixed(1)} | ${r.throughputTps.toFixed(0)} | ${ms(r.ttftP50)} / ${ms(r.ttftP90)} / ${ms(r.ttftP99)} | ${ms(r.tpotP50)} / ${ms(r.tpotP90)} / ${ms(r.tpotP99)} | ${s(r.e2eP50)} / ${s(r.e2eP90)} / ${s(r.e2eP99)} | ${r.preemptions} | ${(r.prefixHitRate * 100).toFixed(1)}% |`;
}

/** A table of `rows`, grouped by QPS then strategy in the given order. */
export function table(rows: readonly ResultRow[], strategyOrder: readonly string[]): string {
  const sorted = [...rows].sort(
    (a, b) => a.qps - b.qps || strategyOrder.indexOf(a.strategy) - strategyOrder.indexOf(b.strategy),
  );
  return [header, rule, ...sorted.map(tableLine)].join("\n");
}
