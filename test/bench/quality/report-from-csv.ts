/** Reads a finished run back (CSV files + run.json) so the report can be rebuilt without rerunning. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ResultRow } from "./summary.js";
import type { SweepResult } from "./sweep.js";

/** Rows of one CSV written by `toCsv`. */
export function rowsFromCsv(text: string): ResultRow[] {
  const [head, ...lines] = text.trim().split("\n");
  const cols = head!.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    const row: Record<string, string | number> = {};
    cols.forEach((c, i) => {
      const v = cells[i] ?? "";
      row[c] = c === "workload" || c === "grid" || c === "strategy" ? v : Number(v);
    });
    return row as unknown as ResultRow;
  });
}

/** The sweep of a results directory, and its wall time. */
export async function readRun(
  dir: string,
  workloads: readonly string[],
): Promise<{ sweep: SweepResult; seconds: number }> {
  const run = JSON.parse(await readFile(join(dir, "run.json"), "utf8"));
  const rows: ResultRow[] = [];
  for (const w of workloads) {
    try {
      rows.push(...rowsFromCsv(await readFile(join(dir, `quality-${w}.csv`), "utf8")));
    } catch {
      // workload not in this run
    }
  }
  return { sweep: { rows, saturation: run.saturation ?? {} }, seconds: run.wallSeconds ?? 0 };
}
