/**
 * The sweep: measure round-robin's saturation point per workload, then run every strategy at the
 * absolute QPS grid (sharegpt, as upstream) and at the grid relative to that saturation point.
 */
import type { BenchOptions } from "./cli-args.js";
import type { PointTask } from "./run-point.js";
import type { ResultRow } from "./summary.js";
import { runTasks } from "./worker-pool.js";

/** Offered load of the saturation probe: far above what 10 replicas can serve on any workload. */
export const saturationProbeQps = 1_000;
/** Round-robin keeps up at a point when its p90 TTFT stays under this: no admission queue builds. */
export const keepUpTtftMs = 1_000;

/** Sweep output. */
export interface SweepResult {
  rows: ResultRow[];
  /** Round-robin's saturation point per workload, requests/s. */
  saturation: Record<string, number>;
}

function task(
  o: BenchOptions,
  workload: string,
  qps: number,
  grid: string,
  strategies: string[],
  durationS: number,
): PointTask {
  return {
    workload,
    qps,
    grid,
    strategies,
    durationS,
    seed: o.seed,
    burstiness: o.burstiness,
    replicas: o.replicas,
    pushIntervalMs: o.pushIntervalMs,
    pushDelayMs: [Math.min(5, o.pushIntervalMs / 4), Math.min(20, o.pushIntervalMs / 2)],
    connections: o.connections,
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

/**
 * Round-robin's saturation point per workload: an upper bound from an overload probe (the token
 * throughput at 1,000 QPS / mean output tokens), then bisection for the highest QPS at which
 * round-robin keeps up (p90 TTFT <= 1 s) over the same duration as the sweep. Workloads are
 * bisected in parallel.
 */
async function measureSaturation(o: BenchOptions, rounds: number): Promise<Record<string, number>> {
  const probeQps = saturationProbeQps * (o.replicas / 10);
  const probes = o.workloads.map((w) =>
    task(o, w, probeQps, "probe", ["round-robin"], Math.min(20, o.durationS)),
  );
  const probed = await runTasks(probes, o.jobs, "saturation probe");
  const lo = o.workloads.map(() => 0);
  const hi = probed.map((rows) => rows[0]!.throughputTps / rows[0]!.outputTokensPerRequest);
  for (let round = 0; round < rounds; round++) {
    const mids = o.workloads.map((_, i) => Math.round(((lo[i]! + hi[i]!) / 2) * 10) / 10);
    const res = await runTasks(
      o.workloads.map((w, i) => task(o, w, mids[i]!, "probe", ["round-robin"], o.durationS)),
      o.jobs,
      `saturation bisection ${round + 1}/${rounds}`,
    );
    res.forEach((rows, i) => {
      if (keepsUp(rows[0]!)) lo[i] = mids[i]!;
      else hi[i] = mids[i]!;
    });
  }
  return Object.fromEntries(o.workloads.map((w, i) => [w, lo[i]! > 0 ? lo[i]! : hi[i]! / 2]));
}

/** Runs the whole sweep (or the explicit --qps points). */
export async function runSweep(o: BenchOptions): Promise<SweepResult> {
  let saturation: Record<string, number> = {};
  const tasks: PointTask[] = [];
  if (o.qps) {
    for (const w of o.workloads) {
      for (const q of o.qps) tasks.push(task(o, w, q, "qps", o.strategies, o.durationS));
    }
  } else {
    saturation = await measureSaturation(o, o.quick ? 3 : 5);
    for (const w of o.workloads) {
      for (const p of o.saturationPercents) {
        const qps = Math.round(((saturation[w]! * p) / 100) * 10) / 10;
        tasks.push(task(o, w, qps, `sat:${p}`, o.strategies, o.durationS));
      }
      if (w === "sharegpt") {
        for (const q of o.absoluteQps) tasks.push(task(o, w, q, "abs", o.strategies, o.durationS));
      }
    }
  }
  const results = await runTasks(tasks, o.jobs, "sweep");
  return { rows: results.flat(), saturation };
}
