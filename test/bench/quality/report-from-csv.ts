/** Reads a finished run back (matrix.csv + run.json) so the report can be rebuilt without rerunning. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ResultRow } from "./summary.js";
import type { SweepResult } from "./sweep.js";

const textColumns = new Set(["workload", "engine", "grid", "strategy"]);

/** Rows of one CSV written by `toCsv`. */
export function rowsFromCsv(text: string): ResultRow[] {
  const [head, ...lines] = text.trim().split("\n");
  const cols = head!.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    const row: Record<string, string | number> = {};
    cols.forEach((c, i) => {
      const v = cells[i] ?? "";
      row[c] = textColumns.has(c) ? v : Number(v);
    });
    return row as unknown as ResultRow;
  });
}

/** The run of a results directory, and its wall time. */
export async function readRun(dir: string): Promise<{ sweep: SweepResult; seconds: number }> {
  const run = JSON.parse(await readFile(join(dir, "run.json"), "utf8"));
  const rows = rowsFromCsv(await readFile(join(dir, "matrix.csv"), "utf8"));
  return {
    sweep: {
      rows,
      saturation: run.saturation ?? {},
      unloadedTtftMs: run.unloadedTtftMs ?? {},
      ...(run.reuse ? { reuse: run.reuse } : {}),
    },
    seconds: run.wallSeconds ?? 0,
  };
}
