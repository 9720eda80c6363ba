/** CSV of result rows: one line per (matrix point, strategy), latencies in ms. */
import type { ResultRow } from "./summary.js";

/** The CSV's columns, in order. */
export const csvColumns: readonly (keyof ResultRow)[] = [
  "workload",
  "engine",
  "pushIntervalMs",
  "routers",
  "grid",
  "qps",
  "strategy",
  "requests",
  "throughputRps",
  "throughputTps",
  "ttftP50",
  "ttftP90",
  "ttftP99",
  "tpotP50",
  "tpotP90",
  "tpotP99",
  "e2eP50",
  "e2eP90",
  "e2eP99",
  "ntpotP90",
  "preemptions",
  "prefixHitRate",
  "peerIntervalMs",
];

/** The CSV's precision: 3 decimals (µs for latencies). */
const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** The rows as CSV text with a header line. */
export function toCsv(rows: readonly ResultRow[]): string {
  const cell = (v: unknown) =>
    typeof v === "number" ? String(round3(v)) : v === undefined ? "0" : String(v);
  return `${[csvColumns.join(","), ...rows.map((r) => csvColumns.map((c) => cell(r[c])).join(","))].join("\n")}\n`;
}

/**
 * `row` with its CSV columns at the CSV's precision (other fields kept). The sweep keeps its rows at
 * this precision, so a report from rows read back (--report-only, --reuse) equals the run's own.
 */
export function roundRow(row: ResultRow): ResultRow {
  const out: Record<string, unknown> = { ...row };
  for (const c of csvColumns) if (typeof row[c] === "number") out[c] = round3(row[c]);
  return out as unknown as ResultRow;
}
