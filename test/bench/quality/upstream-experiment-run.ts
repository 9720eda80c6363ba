/**
 * Runs the upstream announcement's experiment (upstream-experiment.ts): measures round-robin's
 * knee on sharegpt / h100 (the matrix's bisection), maps the announced QPS onto it, runs every
 * strategy at every point on the worker pool (a progress line per point with an ETA), and writes
 * the charts, tables, CSV, summary.md and run.json.
 */
import { renderLineCharts } from "./charts.js";
import type { BenchOptions } from "./cli-args.js";
import { engineProfile } from "./engines.js";
import { targetsMarkdown } from "./matrix-targets.js";
import { serviceClient } from "./simulation.js";
import { strategiesNamed } from "./strategies.js";
import { describeStrategy } from "./strategy-profile.js";
import type { ResultRow } from "./summary.js";
import { measureCapacity, pairKey, secondsPerRequest, task } from "./sweep.js";
import {
  announcedCapacityRps,
  announcedPerReplicaRps,
  announcedReplicas,
  type ExperimentPoint,
  evaluateUpstreamTarget,
  experimentCsv,
  experimentPoints,
  gridOf,
  latencyTable,
  throughputTable,
} from "./upstream-experiment.js";
import { progress, runTasks } from "./worker-pool.js";
import { workloads } from "./workloads/index.js";

/** What a run produced. */
export interface ExperimentResult {
  points: ExperimentPoint[];
  rows: ResultRow[];
  /** Round-robin's knee on the simulated pool, requests/s. */
  capacityRps: number;
  unloadedTtftMs: number;
}

const workload = "sharegpt";
const engine = "h100";

/** The command line that reproduces a run. */
export function experimentCommand(o: BenchOptions): string {
  return [
    "npm run bench:quality -- --upstream-experiment",
    `--seed ${o.seed}`,
    `--strategies ${o.strategies.join(",")}`,
    `--push-interval ${o.axes.pushIntervalsMs[0]}`,
    `--replicas ${o.replicas}`,
    `--duration ${o.durationS}`,
    `--connections ${o.connections}`,
    ...(o.burstiness !== 1 ? ["--bursty"] : []),
  ].join(" ");
}

/** Measures the capacity, then runs every point. */
export async function runUpstreamExperiment(o: BenchOptions): Promise<ExperimentResult> {
  const pushIntervalMs = o.axes.pushIntervalsMs[0]!;
  const capacity = await measureCapacity(o, [{ engine, workload }], 6);
  const capacityRps = capacity.saturation[pairKey(engine, workload)]!;
  const points = experimentPoints(capacityRps);
  progress(
    `upstream experiment: capacity ${capacityRps} req/s (${(capacityRps / o.replicas).toFixed(2)} per replica); announced QPS x ${(capacityRps / announcedCapacityRps).toFixed(3)}`,
  );
  if (process.stderr.isTTY) process.stderr.write("\n");
  const tasks = points.map((p) =>
    task(o, { workload, engine, pushIntervalMs, routers: 1 }, p.qps, gridOf(p), o.strategies, o.durationS),
  );
  const requests = tasks.reduce((n, t) => n + t.qps * t.durationS * t.strategies.length, 0);
  progress(
    `upstream experiment: ${tasks.length} points x ${o.strategies.length} strategies, ~${Math.round(requests).toLocaleString("en")} simulated requests; estimate ${Math.ceil((requests * secondsPerRequest) / o.jobs / 60)} min on ${o.jobs} jobs (busy 2-core machine)`,
  );
  if (process.stderr.isTTY) process.stderr.write("\n");
  const results = await runTasks(tasks, o.jobs, "upstream experiment");
  return {
    points,
    rows: results.flat(),
    capacityRps,
    unloadedTtftMs: capacity.unloadedTtftMs[pairKey(engine, workload)]!,
  };
}

/** The two charts: metric vs announced QPS, one line per strategy. */
export const experimentCharts = [
  { file: "ntpot-p90.svg", field: "ntpotP90", title: "p90 NTPOT (e2e / output tokens), ms", scale: 1 },
  { file: "e2e-p90.svg", field: "e2eP90", title: "p90 e2e latency, s", scale: 1 / 1000 },
] as const;

/** Where the kubernetes-service client's connections landed with this seed (the draw sets its capacity). */
export function serviceBindingLine(o: BenchOptions): string {
  const counts = new Map<number, number>();
  for (const b of serviceClient(o.seed, o.connections, o.replicas).bindings)
    counts.set(b, (counts.get(b) ?? 0) + 1);
  const per = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return `kubernetes-service with seed ${o.seed}: its ${o.connections} connections are bound to ${counts.size} of ${o.replicas} replicas (${per.map(([r, n]) => `replica ${r}: ${n}`).join(", ")}), for the whole run; the others get no traffic.`;
}

/** Writes the result files through `write`; returns the markdown printed on stdout. */
export async function writeExperimentReport(
  o: BenchOptions,
  r: ExperimentResult,
  seconds: number,
  write: (file: string, text: string) => Promise<void>,
): Promise<string> {
  const ran = o.strategies.filter((s) => r.rows.some((x) => x.strategy === s));
  const factor = r.capacityRps / announcedCapacityRps;
  const md: string[] = [
    "# The upstream announcement's experiment (virtual time)",
    "",
    `Command: \`${experimentCommand(o)}\`. Wall time ${seconds.toFixed(0)} s.`,
    "",
    `Setting: ${o.replicas} replicas of ${engineProfile(engine).description}; workload ${workload} (${workloads.get(workload)?.description ?? ""}); one router, metrics pushed every ${o.axes.pushIntervalsMs[0]} ms (5..20 ms late); ${o.durationS} virtual s of Poisson arrivals per point, the first third warm-up; kubernetes-service holds ${o.connections} keep-alive connections. NTPOT = e2e / output tokens per request (upstream's "normalized time per output token"), p90 over the requests that arrived after the warm-up; throughput = completions and output tokens in the measured window.`,
    "",
    "## QPS mapping",
    "",
    `Capacity C = round-robin's knee on this pool (the highest offered QPS at which its p90 TTFT stays <= 1 s, by bisection): **${r.capacityRps} req/s** (${(r.capacityRps / o.replicas).toFixed(2)} per replica; unloaded p90 TTFT ${r.unloadedTtftMs.toFixed(1)} ms). The announcement's capacity is taken as ${announcedReplicas} x ${announcedPerReplicaRps} = ${announcedCapacityRps} req/s (requests/s served per H100 near the knee in upstream's calibration run). Each announced QPS runs at the same fraction of capacity: simulated QPS = announced QPS x C / ${announcedCapacityRps} = announced x ${factor.toFixed(3)}. The 80..100% band, which falls between the announced 200 and 300 QPS, is added as its own points (announced-equivalent QPS in parentheses).`,
    "",
    "## Strategies as run",
    "",
    ...strategiesNamed(ran).map((s) => `- ${describeStrategy(s, o.connections)}`),
    "",
    serviceBindingLine(o),
    "",
    "## Issue 17 target",
    "",
    targetsMarkdown(evaluateUpstreamTarget(r.rows, r.points)),
    "",
  ];
  const rendered = await renderLineCharts(
    r.rows.map((row) => {
      const p = r.points.find((x) => gridOf(x) === row.grid)!;
      return { x: p.announcedQps, strategy: row.strategy, row };
    }),
    experimentCharts.map((c) => ({
      file: c.file,
      title: `${c.title} vs offered load (${o.replicas} simulated H100 replicas, sharegpt)`,
      xTitle: `announced QPS (simulated at x ${factor.toFixed(3)})`,
      yTitle: c.title,
      value: (row: ResultRow) => row[c.field] * c.scale,
    })),
    ran,
  );
  const charts: string[] = [];
  if ("skipped" in rendered) md.push(`Charts skipped: ${rendered.skipped}`, "");
  else {
    for (const [file, svg] of rendered.svgs) {
      await write(file, svg);
      charts.push(file);
    }
    md.push("## Charts", "", ...charts.map((c) => `![${c}](${c})`), "");
  }
  md.push(
    "## p90 NTPOT and p90 e2e per point",
    "",
    latencyTable(r.rows, r.points, ran),
    "",
    "## Throughput per point",
    "",
    throughputTable(r.rows, r.points, ran),
    "",
  );
  const text = md.join("\n");
  await write("upstream-experiment.csv", experimentCsv(r.rows, r.points));
  await write("summary.md", text);
  await write(
    "run.json",
    `${JSON.stringify(
      {
        command: experimentCommand(o),
        options: { ...o, reportOnly: undefined },
        capacityRps: r.capacityRps,
        unloadedTtftMs: r.unloadedTtftMs,
        announcedCapacityRps,
        qpsFactor: factor,
        points: r.points,
        wallSeconds: seconds,
        charts,
      },
      null,
      2,
    )}\n`,
  );
  return text;
}
