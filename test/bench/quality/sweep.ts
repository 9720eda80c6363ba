/**
 * The matrix run: measure round-robin's capacity (saturation point) and unloaded TTFT per engine and
 * workload, then run every strategy at every selected point, at its load relative to that capacity.
 */
import type { BenchOptions } from "./cli-args.js";
import { engineProfile } from "./engines.js";
import { fullMatrix, type MatrixPoint, quickSelection } from "./matrix.js";
import { roundRow } from "./report-csv.js";
import { loadReuse, type ReuseStats, runWithReuse } from "./reuse.js";
import { type PointTask, pushLatenessMs } from "./run-point.js";
import type { ResultRow } from "./summary.js";
import { progress, runTasks } from "./worker-pool.js";

/** Offered load of the saturation probe per replica: far above what one replica serves on any workload. */
export const saturationProbeQpsPerReplica = 100;
/** Round-robin keeps up at a point when its p90 TTFT stays under this: no admission queue builds. */
export const keepUpTtftMs = 1_000;
/** Load of the unloaded-TTFT reference run, percent of the saturation point. */
export const unloadedPercent = 5;
/**
 * Wall seconds per simulated request and strategy on one job, measured on the quick run (2-core
 * machine at load average ~5: 393k requests in ~45 s on 2 jobs): the basis of the time estimate.
 */
export const secondsPerRequest = 230e-6;

/** Run output. */
export interface SweepResult {
  rows: ResultRow[];
  /** Round-robin's saturation point per "engine/workload" (the whole pool), requests/s. */
  saturation: Record<string, number>;
  /** Round-robin's p90 TTFT per "engine/workload" at 5% of its saturation point, ms. */
  unloadedTtftMs: Record<string, number>;
  /** How the run reused a previous one (--reuse). */
  reuse?: ReuseStats;
}

/** The key of an (engine, workload) pair in SweepResult's records. */
export const pairKey = (engine: string, workload: string) => `${engine}/${workload}`;

/** The points a run covers: the cross product, or the covering subset with --quick. */
export function selectPoints(o: BenchOptions): MatrixPoint[] {
  return o.quick ? quickSelection(o.axes, o.quickPoints) : fullMatrix(o.axes);
}

/** Replicas in the pool of `engine`: its own pool size (the small-pool engines) or --replicas. */
export function poolSize(o: BenchOptions, engine: string): number {
  return engineProfile(engine).poolSize ?? o.replicas;
}

/** The point task of `p` at `qps` for `strategies` (push delays 5..20 ms, at most half the period). */
export function task(
  o: BenchOptions,
  p: { workload: string; engine: string; pushIntervalMs: number; routers: number; peerIntervalMs?: number },
  qps: number,
  grid: string,
  strategies: string[],
  durationS: number,
): PointTask {
  return {
    workload: p.workload,
    engine: p.engine,
    routers: p.routers,
    qps,
    grid,
    strategies,
    durationS,
    seed: o.seed,
    burstiness: o.burstiness,
    replicas: poolSize(o, p.engine),
    pushIntervalMs: p.pushIntervalMs,
    pushDelayMs: [
      Math.min(pushLatenessMs.min, p.pushIntervalMs * pushLatenessMs.minPeriodFraction),
      Math.min(pushLatenessMs.max, p.pushIntervalMs * pushLatenessMs.maxPeriodFraction),
    ],
    connections: o.connections,
    ...(p.peerIntervalMs !== undefined ? { peerIntervalMs: p.peerIntervalMs } : {}),
  };
}

/**
 * Whether round-robin keeps up with the offered load of `row`. (Throughput is no criterion: over a
 * finite run the long requests of the window are still running at its end, so it lags the offered
 * load even far from saturation.)
 */
export function keepsUp(row: ResultRow): boolean {
  return row.ttftP90 <= keepUpTtftMs;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Round-robin's saturation point per (engine, workload): an upper bound from an overload probe
 * (token throughput / mean output tokens), then bisection between 40% of it and it for the highest
 * QPS at which round-robin keeps up (p90 TTFT <= 1 s), on one router pushing every 200 ms (or the
 * first push interval given). Pairs are bisected in parallel. Also round-robin's unloaded p90 TTFT.
 */
export async function measureCapacity(
  o: BenchOptions,
  pairs: readonly { engine: string; workload: string }[],
  rounds: number,
): Promise<Pick<SweepResult, "saturation" | "unloadedTtftMs"> & { unloadedE2eMs: Record<string, number> }> {
  const pushIntervalMs = o.axes.pushIntervalsMs.includes(200) ? 200 : o.axes.pushIntervalsMs[0]!;
  const at = (i: number, qps: number, durationS: number) =>
    task(o, { ...pairs[i]!, pushIntervalMs, routers: 1 }, qps, "probe", ["round-robin"], durationS);
  const probed = await runTasks(
    pairs.map((p, i) =>
      at(i, saturationProbeQpsPerReplica * poolSize(o, p.engine), Math.min(10, o.durationS)),
    ),
    o.jobs,
    "saturation probe",
  );
  const hi = probed.map((rows) => rows[0]!.throughputTps / rows[0]!.outputTokensPerRequest);
  const lo = hi.map((h) => 0.4 * h);
  for (let round = 0; round < rounds; round++) {
    const mids = pairs.map((_, i) => round1((lo[i]! + hi[i]!) / 2));
    const res = await runTasks(
      pairs.map((_, i) => at(i, mids[i]!, o.durationS)),
      o.jobs,
      `saturation bisection ${round + 1}/${rounds}`,
    );
    res.forEach((rows, i) => {
      if (keepsUp(rows[0]!)) lo[i] = mids[i]!;
      else hi[i] = mids[i]!;
    });
  }
  const saturation = pairs.map((_, i) => round1(lo[i]!));
  // Long enough for ~100 requests in the measurement window, however slow the engine.
  const unloaded = await runTasks(
    pairs.map((_, i) => {
      const qps = Math.max(0.1, round1((saturation[i]! * unloadedPercent) / 100));
      return at(i, qps, Math.max(o.durationS, Math.ceil(150 / qps)));
    }),
    o.jobs,
    "unloaded reference",
  );
  const key = (i: number) => pairKey(pairs[i]!.engine, pairs[i]!.workload);
  return {
    saturation: Object.fromEntries(pairs.map((_, i) => [key(i), saturation[i]!])),
    unloadedTtftMs: Object.fromEntries(pairs.map((_, i) => [key(i), unloaded[i]![0]!.ttftP90])),
    unloadedE2eMs: Object.fromEntries(pairs.map((_, i) => [key(i), unloaded[i]![0]!.e2eP90])),
  };
}

/** Runs the selected points (or the explicit --qps points) for every strategy. */
export async function runSweep(o: BenchOptions): Promise<SweepResult> {
  // Refuse a FILE of other settings before the capacity search.
  const source = o.reuse === undefined ? undefined : await loadReuse(o, o.reuse);
  const points = selectPoints(o);
  const tasks: PointTask[] = [];
  let capacity: Pick<SweepResult, "saturation" | "unloadedTtftMs"> = { saturation: {}, unloadedTtftMs: {} };
  if (o.qps) {
    const seen = new Set<string>();
    for (const p of points) {
      const key = `${p.workload}/${p.engine}/${p.pushIntervalMs}/${p.routers}/${p.peerIntervalMs ?? 0}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const q of o.qps) tasks.push(task(o, p, q, `qps:${q}`, o.strategies, o.durationS));
    }
  } else {
    const pairs = [
      ...new Map(
        points.map((p) => [pairKey(p.engine, p.workload), { engine: p.engine, workload: p.workload }]),
      ).values(),
    ];
    capacity = await measureCapacity(o, pairs, o.quick ? 4 : 6);
    for (const p of points) {
      const qps = round1((capacity.saturation[pairKey(p.engine, p.workload)]! * p.loadPercent) / 100);
      tasks.push(
        task(o, p, Math.max(0.1, qps), `sat:${p.loadPercent}`, o.strategies, p.durationS ?? o.durationS),
      );
    }
  }
  const requests = tasks.reduce((n, t) => n + t.qps * t.durationS * t.strategies.length, 0);
  progress(
    `matrix: ${tasks.length} points x ${o.strategies.length} strategies, ~${Math.round(requests).toLocaleString("en")} simulated requests; estimate ${Math.ceil((requests * secondsPerRequest) / o.jobs / 60)} min on ${o.jobs} jobs (busy 2-core machine)`,
  );
  if (process.stderr.isTTY) process.stderr.write("\n");
  if (source) {
    const run = (ts: readonly PointTask[], label: string) => runTasks(ts, o.jobs, label);
    const { rows, stats } = await runWithReuse(tasks, o, source, run, progress);
    return { rows: rows.map(roundRow), ...capacity, reuse: stats };
  }
  const results = await runTasks(tasks, o.jobs, "matrix");
  return { rows: results.flat().map(roundRow), ...capacity };
}
