/** CSV of result rows: one line per (matrix point, strategy), latencies in ms. */
import type { ResultRow } from "./summary.js";

const columns: (keyof ResultRow)[] = [
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

/** The rows as CSV text with a header line. */
export function toCsv(rows: readonly ResultRow[]): string {
  const cell = (v: unknown) =>
    typeof v === "number" ? String(Math.round(v * 1000) / 1000) : v === undefined ? "0" : String(v);
  return `${[columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n")}\n`;
}
