/**
 * `--reuse FILE`: rows of a previous run stand in for the strategies that did not change, so a run
 * that changes only the default (`ours`) simulates only it. A row depends on its point (workload,
 * engine, push interval, routers, sharing, load and QPS), on the point settings below and on the
 * simulator's and the strategy's code. The settings are compared with FILE's run.json; the code is
 * spot-checked by re-simulating a few reused rows before any of them is trusted.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { createSeededRandom } from "../../../src/core/random.js";
import type { BenchOptions } from "./cli-args.js";
import { pointLabel } from "./matrix.js";
import { csvColumns, roundRow } from "./report-csv.js";
import { rowsFromCsv } from "./report-from-csv.js";
import { type PointTask, peerReportDelayMs, pushLatenessMs, warmupFraction } from "./run-point.js";
import type { ResultRow } from "./summary.js";

/** What, besides its point, defines a row: a reused row must have been simulated with the same. */
export interface PointSettings {
  seed: number;
  durationS: number;
  burstiness: number;
  replicas: number;
  connections: number;
  pushLatenessMs: typeof pushLatenessMs;
  warmupFraction: number;
  peerReportDelayMs: readonly [number, number];
}

/** How a run reused a previous one (run.json's `reuse`, summary.md's line). */
export interface ReuseStats {
  file: string;
  /** Strategies simulated again. */
  rerun: string[];
  /** Rows taken from FILE. */
  reused: number;
  /** Rows simulated: the re-run strategies' and those FILE lacked. */
  simulated: number;
  /** Rows of strategies not re-run that FILE lacked (simulated instead). */
  missing: number;
  /** Reused rows re-simulated and found equal before FILE was trusted. */
  checked: number;
}

/** A previous run: its rows by `rowKey`. */
export interface ReuseSource {
  file: string;
  rows: Map<string, ResultRow>;
}

/** The point settings of this run (written to run.json as `pointSettings`). */
export function pointSettings(
  o: Pick<BenchOptions, "seed" | "durationS" | "burstiness" | "replicas" | "connections">,
): PointSettings {
  return {
    seed: o.seed,
    durationS: o.durationS,
    burstiness: o.burstiness,
    replicas: o.replicas,
    connections: o.connections,
    pushLatenessMs,
    warmupFraction,
    peerReportDelayMs,
  };
}

const runJsonSchema = z.object({
  options: z.object({
    seed: z.number(),
    durationS: z.number(),
    burstiness: z.number(),
    replicas: z.number(),
    connections: z.number(),
  }),
  // Absent in run.json files written before --reuse: those ran with the code's constants, which the
  // re-simulation check covers.
  pointSettings: z.record(z.string(), z.unknown()).optional(),
});

/** The settings a run.json records: its `pointSettings`, else its options and the code's constants. */
export function settingsOfRun(json: unknown, where: string): Record<string, unknown> {
  const parsed = runJsonSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`--reuse: ${where} is not a matrix run.json: ${parsed.error.issues[0]?.message}`);
  const o = parsed.data.options;
  return parsed.data.pointSettings ?? { ...pointSettings(o) };
}

/** The first setting that differs, as "name: FILE's value vs this run's", or undefined. */
export function settingsDiffer(theirs: Record<string, unknown>, mine: PointSettings): string | undefined {
  for (const [name, value] of Object.entries(mine)) {
    const a = JSON.stringify(theirs[name]);
    const b = JSON.stringify(value);
    if (a !== b) return `${name}: ${a ?? "absent"} in FILE's run, ${b} in this one`;
  }
  return undefined;
}

/** The key of a row (or of a task's point for `strategy`): point, load, QPS at CSV precision, strategy. */
export function rowKey(
  r: Pick<ResultRow, "workload" | "engine" | "pushIntervalMs" | "routers" | "grid" | "qps"> & {
    peerIntervalMs?: number;
  },
  strategy: string,
): string {
  const qps = Math.round(r.qps * 1000) / 1000;
  return `${r.workload}/${r.engine}/${r.pushIntervalMs}/${r.routers}/${r.peerIntervalMs ?? 0}/${r.grid}/${qps}/${strategy}`;
}

/** Reads FILE and the run.json beside it; refuses FILE when a point setting differs from this run's. */
export async function loadReuse(o: BenchOptions, file: string): Promise<ReuseSource> {
  const runFile = join(dirname(file), "run.json");
  let csv: string;
  let json: unknown;
  try {
    csv = await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`--reuse: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    json = JSON.parse(await readFile(runFile, "utf8"));
  } catch (err) {
    throw new Error(
      `--reuse: cannot read ${runFile} (the settings of ${file}'s run): ${(err as Error).message}`,
    );
  }
  const differ = settingsDiffer(settingsOfRun(json, runFile), pointSettings(o));
  if (differ) throw new Error(`--reuse: ${file} was run with other point settings (${runFile}): ${differ}`);
  const rows = new Map<string, ResultRow>();
  for (const r of rowsFromCsv(csv)) rows.set(rowKey(r, r.strategy), r);
  return { file, rows };
}

/** The rows of one task, strategy by strategy: a row taken from FILE, or undefined = simulate it. */
export interface ReusePlan {
  taken: (ResultRow | undefined)[][];
  /** The tasks to simulate (only their strategies without a row), with the index of their task. */
  simulate: { index: number; task: PointTask }[];
  missing: number;
}

/** Splits `tasks` into rows taken from `source` and strategies to simulate (`rerun` and FILE's gaps). */
export function planReuse(
  tasks: readonly PointTask[],
  source: ReuseSource,
  rerun: readonly string[],
): ReusePlan {
  let missing = 0;
  const simulate: ReusePlan["simulate"] = [];
  const taken = tasks.map((t, index) => {
    const row = t.strategies.map((s) => {
      if (rerun.includes(s)) return undefined;
      const r = source.rows.get(rowKey(t, s));
      if (!r) missing++;
      return r;
    });
    const left = t.strategies.filter((_, i) => row[i] === undefined);
    if (left.length > 0) simulate.push({ index, task: { ...t, strategies: left } });
    return row;
  });
  return { taken, simulate, missing };
}

/**
 * `n` reused rows picked by `seed`, as one-strategy tasks: one strategy per point, on distinct
 * points while there are unpicked ones (then a second strategy per point, and so on).
 */
export function pickChecks(
  tasks: readonly PointTask[],
  plan: ReusePlan,
  n: number,
  seed: number,
): { task: PointTask; expected: ResultRow }[] {
  const rnd = createSeededRandom(seed);
  const left = plan.taken.flatMap((rows, i) => rows.flatMap((r) => (r ? [{ i, r }] : [])));
  for (let k = left.length - 1; k > 0; k--) {
    const j = Math.floor(rnd.next() * (k + 1));
    [left[k], left[j]] = [left[j]!, left[k]!];
  }
  const out: { task: PointTask; expected: ResultRow }[] = [];
  let points = new Set<number>();
  while (out.length < n && left.length > 0) {
    let at = left.findIndex((c) => !points.has(c.i));
    if (at < 0) {
      points = new Set();
      at = 0;
    }
    const { i, r } = left.splice(at, 1)[0]!;
    points.add(i);
    out.push({ task: { ...tasks[i]!, strategies: [r.strategy] }, expected: r });
  }
  return out;
}

/** Throws naming the row and the figures that differ between FILE's row and its re-simulation. */
export function verifyCheck(file: string, expected: ResultRow, simulated: ResultRow): void {
  const now = roundRow(simulated);
  const differ = csvColumns
    .filter((c) => c !== "peerIntervalMs" && String(expected[c]) !== String(now[c]))
    .map((c) => `${c} ${expected[c]} in FILE, ${now[c]} now`);
  if ((expected.peerIntervalMs ?? 0) !== (now.peerIntervalMs ?? 0))
    differ.push(`peerIntervalMs ${expected.peerIntervalMs ?? 0} in FILE, ${now.peerIntervalMs ?? 0} now`);
  if (differ.length > 0)
    throw new Error(
      `--reuse: ${file}'s row for ${expected.strategy} at ${pointLabel(expected)} (${expected.qps} QPS) differs from its re-simulation (the simulator or the strategy changed since?): ${differ.join("; ")}`,
    );
}

/** Runs point tasks, resolving with their rows in task order (the worker pool, or in-process in tests). */
export type RunTasks = (tasks: readonly PointTask[], label: string) => Promise<ResultRow[][]>;

/**
 * The rows of `tasks` with FILE's rows for every strategy but `o.rerun`: checks `o.reuseCheck`
 * reused rows first, then simulates the rest. Rows come back in task and strategy order, as a run
 * without --reuse returns them.
 */
export async function runWithReuse(
  tasks: readonly PointTask[],
  o: BenchOptions,
  source: ReuseSource,
  run: RunTasks,
  log: (line: string) => void,
): Promise<{ rows: ResultRow[]; stats: ReuseStats }> {
  const plan = planReuse(tasks, source, o.rerun);
  const checks = pickChecks(tasks, plan, o.reuseCheck, o.seed);
  const checked = await run(
    checks.map((c) => c.task),
    "reuse check",
  );
  for (const [i, c] of checks.entries()) verifyCheck(source.file, c.expected, checked[i]![0]!);
  const simulated = plan.simulate.reduce((n, s) => n + s.task.strategies.length, 0);
  const reused = tasks.reduce((n, t) => n + t.strategies.length, 0) - simulated;
  log(
    `reuse: ${reused} rows from ${source.file} (${checks.length} re-simulated and equal), ${simulated} to simulate (${o.rerun.join(", ")} re-run${plan.missing > 0 ? `; ${plan.missing} rows missing from FILE` : ""})`,
  );
  const results = await run(
    plan.simulate.map((s) => s.task),
    "matrix",
  );
  const fresh = new Map(plan.simulate.map((s, i) => [s.index, results[i]!]));
  const rows = tasks.flatMap((t, i) => {
    const own = fresh.get(i) ?? [];
    return plan.taken[i]!.map((r, k) => r ?? own.find((x) => x.strategy === t.strategies[k])!);
  });
  return {
    rows,
    stats: {
      file: source.file,
      rerun: [...o.rerun],
      reused,
      simulated,
      missing: plan.missing,
      checked: checks.length,
    },
  };
}
