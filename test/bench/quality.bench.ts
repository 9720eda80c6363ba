/**
 * Routing-quality benchmark (issues 7 and 17): the real scheduler over simulated vLLM-like replicas
 * in virtual time, every strategy at every point of a matrix (workloads x engines x push intervals x
 * router replicas x load). Prints the profiles run, the regret summary and the targets' verdicts;
 * writes matrix.csv, regret.csv, SVG heatmaps and summary.md under --out.
 *
 *   node --import tsx test/bench/quality.bench.ts --quick   # covering subset, < 3 min on 2 cores
 *   node --import tsx test/bench/quality.bench.ts           # the cross product (prints an estimate)
 *   node --import tsx test/bench/quality.bench.ts --upstream-experiment   # the announcement's experiment
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseBenchArgs, usage } from "./quality/cli-args.js";
import { writeReport } from "./quality/report.js";
import { readRun } from "./quality/report-from-csv.js";
import { runSweep } from "./quality/sweep.js";
import { runUpstreamExperiment, writeExperimentReport } from "./quality/upstream-experiment-run.js";

async function main(): Promise<void> {
  const parsed = parseBenchArgs(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(usage);
    return;
  }
  const started = Date.now();
  const write = (file: string, text: string) => writeFile(join(parsed.out, file), text);
  if (parsed.upstreamExperiment) {
    const result = await runUpstreamExperiment(parsed);
    await mkdir(parsed.out, { recursive: true });
    console.log(await writeExperimentReport(parsed, result, (Date.now() - started) / 1000, write));
    return;
  }
  const { sweep, seconds } = parsed.reportOnly
    ? await readRun(parsed.out)
    : { sweep: await runSweep(parsed), seconds: (Date.now() - started) / 1000 };
  await mkdir(parsed.out, { recursive: true });
  const report = await writeReport(parsed, sweep, seconds, write);
  console.log(report);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
