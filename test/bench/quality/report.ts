/**
 * Assembles the matrix report: the profiles the strategies ran, round-robin's capacity per engine
 * and workload, the regret summary, issue 17's targets for `ours` and `upstream-default`, the
 * heatmaps and every point; writes matrix.csv, regret.csv, the SVGs, summary.md and run.json.
 */
import { heatmaps, renderHeatmaps } from "./charts.js";
import type { BenchOptions } from "./cli-args.js";
import { engineProfiles, smallPoolEngineProfiles } from "./engines.js";
import { evaluateMatrixTargets, targetsMarkdown } from "./matrix-targets.js";
import {
  regretByStrategy,
  regretCells,
  regretCsv,
  regretPointsMarkdown,
  regretSummaryMarkdown,
} from "./regret.js";
import { toCsv } from "./report-csv.js";
import { pointSettings } from "./reuse.js";
import { strategies, strategiesNamed } from "./strategies.js";
import { describeStrategy } from "./strategy-profile.js";
import { poolSize, type SweepResult } from "./sweep.js";
import { workloads } from "./workloads/index.js";

/** The strategies the targets are checked for. */
export const checkedStrategies = ["ours", "upstream-default"] as const;

/** The command line that reproduces a run (flags that differ from their defaults). */
export function commandOf(o: BenchOptions): string {
  const parts = ["node --import tsx test/bench/quality.bench.ts"];
  if (o.quick) parts.push("--quick");
  parts.push(`--seed ${o.seed}`);
  const a = o.axes;
  parts.push(`--workload ${a.workloads.join(",")}`, `--engines ${a.engines.join(",")}`);
  parts.push(`--push-interval ${a.pushIntervalsMs.join(",")}`, `--routers ${a.routers.join(",")}`);
  if (o.qps) parts.push(`--qps ${o.qps.join(",")}`);
  else parts.push(`--load ${a.loadPercents.join(",")}`);
  parts.push(`--replicas ${o.replicas}`, `--duration ${o.durationS}`, `--connections ${o.connections}`);
  if (o.quickPoints !== undefined) parts.push(`--points ${o.quickPoints}`);
  if (o.burstiness !== 1) parts.push("--bursty");
  if (o.reuse !== undefined) {
    parts.push(`--reuse ${o.reuse}`, `--rerun ${o.rerun.join(",")}`);
    if (o.reuseCheck !== 3) parts.push(`--reuse-check ${o.reuseCheck}`);
  }
  return parts.join(" ");
}

function capacityTable(o: BenchOptions, sweep: SweepResult): string {
  const keys = Object.keys(sweep.saturation);
  if (keys.length === 0) return "Explicit --qps points: no capacity search.";
  return [
    "| engine / workload | round-robin capacity (req/s, pool) | per replica | unloaded p90 TTFT (ms) |",
    "|---|---:|---:|---:|",
    ...keys.map(
      (k) =>
        `| ${k} | ${sweep.saturation[k]!.toFixed(1)} | ${(sweep.saturation[k]! / poolSize(o, k.split("/")[0]!)).toFixed(2)} | ${(sweep.unloadedTtftMs[k] ?? Number.NaN).toFixed(1)} |`,
    ),
  ].join("\n");
}

/** Writes the result files through `write`; returns the markdown printed on stdout. */
export async function writeReport(
  o: BenchOptions,
  sweep: SweepResult,
  seconds: number,
  write: (file: string, text: string) => Promise<void>,
): Promise<string> {
  const order = strategies.map((s) => s.name);
  const ran = order.filter((s) => sweep.rows.some((r) => r.strategy === s));
  const cells = regretCells(sweep.rows);
  const totals = regretByStrategy(cells, ran);
  const points = new Set(cells.map((c) => c.point)).size;
  const md: string[] = [
    `# Routing quality matrix (virtual time)${o.quick ? ", quick subset" : ""}`,
    "",
    `Command: \`${commandOf(o)}\`. ${points} points x ${ran.length} strategies; ${o.replicas} model-server replicas; ${o.durationS} s of arrivals per point (first third = warm-up); pushes 5..20 ms late (at most half the period); ${o.burstiness === 1 ? "Poisson" : `gamma(${o.burstiness})`} arrivals unless the workload has its own. Wall time ${seconds.toFixed(0)} s.`,
    ...(sweep.reuse
      ? [
          "",
          `Reused ${sweep.reuse.reused} rows from \`${sweep.reuse.file}\` (${sweep.reuse.checked} of them re-simulated and equal first); simulated ${sweep.reuse.simulated} (${sweep.reuse.rerun.join(", ")} re-run${sweep.reuse.missing > 0 ? `, ${sweep.reuse.missing} rows the file lacked` : ""}).`,
        ]
      : []),
    "",
    "## Strategies as run (read back from the scheduler each config builds)",
    "",
    ...strategiesNamed(ran).map((s) => `- ${describeStrategy(s, o.connections)}`),
    "",
    "## Round-robin's capacity per engine and workload",
    "",
    capacityTable(o, sweep),
    "",
    "## Regret summary (p90 e2e)",
    "",
    regretSummaryMarkdown(totals),
    "",
    "## Issue 17 targets",
    "",
    ...checkedStrategies.flatMap((s) => [
      targetsMarkdown(evaluateMatrixTargets(sweep.rows, s, sweep.unloadedTtftMs)),
      "",
    ]),
  ];
  const rendered = await renderHeatmaps(cells, heatmaps, order);
  const charts: string[] = [];
  if ("skipped" in rendered) md.push(`Heatmaps skipped: ${rendered.skipped}`, "");
  else {
    for (const [file, svg] of rendered.svgs) {
      await write(file, svg);
      charts.push(file);
    }
    md.push("## Heatmaps", "", ...charts.map((c) => `![${c}](${c})`), "");
  }
  md.push(
    "## Every point: p90 e2e (s) / its ratio to round-robin / to the best",
    "",
    regretPointsMarkdown(cells, order),
    "",
    "## Axes",
    "",
    ...[...engineProfiles.values()]
      .filter((e) => o.axes.engines.includes(e.name))
      .map((e) => `- engine ${e.name}: ${e.description}`),
    ...[...smallPoolEngineProfiles.values()]
      .filter((e) => sweep.rows.some((r) => r.engine === e.name))
      .map((e) => `- engine ${e.name}: ${e.description}`),
    ...o.axes.workloads.map((w) => `- workload ${w}: ${workloads.get(w)?.description ?? ""}`),
    "",
  );
  const text = md.join("\n");
  await write("matrix.csv", toCsv(sweep.rows));
  await write("regret.csv", regretCsv(cells));
  await write("summary.md", text);
  await write(
    "run.json",
    `${JSON.stringify(
      {
        command: commandOf(o),
        options: { ...o, reportOnly: undefined },
        pointSettings: pointSettings(o),
        ...(sweep.reuse ? { reuse: sweep.reuse } : {}),
        saturation: sweep.saturation,
        unloadedTtftMs: sweep.unloadedTtftMs,
        wallSeconds: seconds,
        charts,
      },
      null,
      2,
    )}\n`,
  );
  return text;
}
