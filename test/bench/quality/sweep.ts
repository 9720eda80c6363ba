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
  };
}

/**
 * Saturation point = the output-token throughput round-robin achieves when offered 1,000 QPS
 * (overloaded on every workload), divided by the workload's mean output tokens per request.
 */
export async function runSweep(o: BenchOptions): Promise<SweepResult> {
  const saturation: Record<string, number> = {};
  const tasks: PointTask[] = [];
  if (o.qps) {
    for (const w of o.workloads)
      for (const q of o.qps) tasks.push(task(o, w, q, "qps", o.strategies, o.durationS));
  } else {
    const probes = o.workloads.map((w) =>
      task(o, w, saturationProbeQps * (o.replicas / 10), "probe", ["round-robin"], Math.min(20, o.durationS)),
    );
    const probed = await runTasks(probes, o.jobs, "saturation probe");
    o.workloads.forEach((w, i) => {
      const row = probed[i]![0]!;
      saturation[w] = row.throughputTps / row.outputTokensPerRequest;
    });
    for (const w of o.workloads) {
      for (const p of o.saturationPercents) {
        const qps = Math.round(((saturation[w]! * p) / 100) * 10) / 10;
        tasks.push(task(o, w, qps, `sat:${p}`, o.strategies, o.durationS));
      }
      if (w === "sharegpt")
        for (const q of o.absoluteQps) tasks.push(task(o, w, q, "abs", o.strategies, o.durationS));
    }
  }
  const results = await runTasks(tasks, o.jobs, "sweep");
  return { rows: results.flat(), saturation };
}
