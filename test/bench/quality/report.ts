/** Assembles the report: tables per workload and grid, targets, CSV, charts and run parameters. */

import { chartsFor, renderCharts } from "./charts.js";
import type { BenchOptions } from "./cli-args.js";
import { bandTable } from "./report-band.js";
import { toCsv } from "./report-csv.js";
import { table } from "./report-table.js";
import { strategies } from "./strategies.js";
import type { SweepResult } from "./sweep.js";
import { evaluateTargets, targetsMarkdown } from "./targets.js";
import { workloads } from "./workloads/index.js";

/** The command line that reproduces a run. */
export function commandOf(o: BenchOptions): string {
  const parts = ["node --import tsx test/bench/quality.bench.ts"];
  if (o.quick) parts.push("--quick");
  parts.push(`--seed ${o.seed}`);
  if (o.qps) parts.push(`--qps ${o.qps.join(",")}`);
  if (o.burstiness !== 1) parts.push("--bursty");
  if (o.pushIntervalMs !== 100) parts.push(`--push-interval ${o.pushIntervalMs}`);
  return parts.join(" ");
}

/** Writes CSV, SVG and summary.md through `write`; returns the markdown printed on stdout. */
export async function writeReport(
  o: BenchOptions,
  sweep: SweepResult,
  seconds: number,
  write: (file: string, text: string) => Promise<void>,
): Promise<string> {
  const order = strategies.map((s) => s.name);
  const md: string[] = [
    "# Routing quality (virtual time)",
    "",
    `Command: \`${commandOf(o)}\` (seed ${o.seed}; ${o.replicas} replicas of llama2-7b-h100; ${o.durationS} s of arrivals per point, first third = warm-up; pushes every ${o.pushIntervalMs} ms, 5..20 ms late; ${o.burstiness === 1 ? "Poisson" : `gamma(${o.burstiness})`} arrivals). Wall time ${seconds.toFixed(0)} s.`,
    "",
  ];
  md.push("## At 80 / 90 / 100% of round-robin's saturation point", "", bandTable(sweep.rows, order), "");
  md.push("## Targets", "", targetsMarkdown(evaluateTargets(sweep.rows)), "");
  const charts: string[] = [];
  for (const w of o.workloads) {
    const rows = sweep.rows.filter((r) => r.workload === w);
    if (rows.length === 0) continue;
    await write(`quality-${w}.csv`, toCsv(rows));
    md.push(`## ${w}`, "", workloads.get(w)?.description ?? "", "");
    if (sweep.saturation[w] !== undefined) {
      md.push(`Round-robin saturation point: ${sweep.saturation[w].toFixed(1)} req/s.`, "");
    }
    for (const grid of ["abs", "sat", "qps"]) {
      const g = rows.filter((r) => r.grid === grid || r.grid.startsWith(`${grid}:`));
      if (g.length === 0) continue;
      const label = grid === "abs" ? "QPS 100..1000" : grid === "sat" ? "relative to saturation" : "QPS";
      md.push(`### ${w}, ${label}`, "", table(g, order), "");
      const prefix = `${w}-${grid}`;
      const rendered = await renderCharts(g, chartsFor(prefix, `${w} (${label})`), order);
      if ("skipped" in rendered) charts.push(`charts skipped: ${rendered.skipped}`);
      else {
        for (const [file, svg] of rendered.svgs) {
          await write(file, svg);
          charts.push(file);
        }
        md.push(...chartsFor(prefix, "").map((c) => `![${c.file}](${c.file})`), "");
      }
    }
  }
  md.push("## Strategies", "", ...strategies.map((s) => `- ${s.name}: ${s.description}`), "");
  const text = md.join("\n");
  await write("summary.md", text);
  await write(
    "run.json",
    `${JSON.stringify({ command: commandOf(o), options: { ...o, reportOnly: undefined }, saturation: sweep.saturation, wallSeconds: seconds, charts }, null, 2)}\n`,
  );
  return text;
}
