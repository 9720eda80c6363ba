/**
 * Live cross-check of the routing-quality benchmark (issue 7): the real router (`inference-router
 * serve`) and the real simulator (`inference-router sim`, 4 llama2-7b-h100 replicas in real time) on
 * loopback, driven with the same seeded stream as the virtual-time run at a few QPS levels near
 * round-robin's saturation. Checks that the ordering of round-robin and ours is the same as in
 * virtual time. Each (strategy, QPS) gets fresh processes (cold caches). The simulator runs
 * --time-scale times slower than the model (default 2, so a loaded 2-core machine keeps up):
 * arrivals are spread by the same factor and measured latencies divided by it, so QPS and latencies
 * are in model time, comparable with the virtual-time run.
 *
 *   node --import tsx test/bench/quality-live.bench.ts            # shared-prefix, 3 levels, 60 s each (~16 min)
 *   node --import tsx test/bench/quality-live.bench.ts --workload sharegpt --qps 20,25 --duration 20
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LIVE_POOL, writeConfigDir } from "./quality/live/live-config.js";
import { type LiveRow, liveTable, summarizeLive } from "./quality/live/live-summary.js";
import { runLoad } from "./quality/live/load.js";
import { freePort, startRouter, startSim, stop, stopAllOnSignal } from "./quality/live/processes.js";
import { strategiesNamed } from "./quality/strategies.js";
import { progress } from "./quality/worker-pool.js";
import { workloads } from "./quality/workloads/index.js";
import { generateStream } from "./quality/workloads/stream.js";
import { BASE_MODEL } from "./quality/workloads/workload.js";

const { values: v } = parseArgs({
  options: {
    workload: { type: "string", default: process.env.QUALITY_LIVE_WORKLOAD ?? "shared-prefix" },
    strategies: { type: "string", default: process.env.QUALITY_LIVE_STRATEGIES ?? "round-robin,ours" },
    qps: { type: "string", default: process.env.QUALITY_LIVE_QPS },
    duration: { type: "string", default: process.env.QUALITY_LIVE_DURATION ?? "60" },
    replicas: { type: "string", default: process.env.QUALITY_LIVE_REPLICAS ?? "4" },
    seed: { type: "string", default: process.env.QUALITY_SEED ?? "42" },
    "time-scale": { type: "string", default: process.env.QUALITY_LIVE_TIME_SCALE ?? "2" },
    out: { type: "string", default: process.env.QUALITY_OUT ?? "test/bench/results" },
    help: { type: "boolean" },
  },
});

/** Near round-robin's saturation: 70/90/100% of the virtual-time point, scaled to the replica count. */
async function defaultQps(workload: string, replicas: number, out: string): Promise<number[]> {
  let sat: number | undefined;
  try {
    sat = JSON.parse(await readFile(join(out, "run.json"), "utf8")).saturation?.[workload];
  } catch {
    // no virtual-time run yet
  }
  const perReplica = (sat ?? 60) / 10;
  return [0.7, 0.9, 1].map((f) => Math.round(perReplica * replicas * f * 10) / 10);
}

async function runOne(
  strategy: { name: string; config: unknown },
  qps: number,
  o: { workload: string; durationS: number; replicas: number; seed: number; timeScale: number },
): Promise<LiveRow> {
  const workload = workloads.get(o.workload)!;
  const requests = generateStream(workload, { qps, durationMs: o.durationS * 1000, seed: o.seed });
  const wall = requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs * o.timeScale }));
  const dir = await mkdtemp(join(tmpdir(), "quality-live-"));
  const basePort = await freePort();
  const replicaPorts = Array.from({ length: o.replicas }, (_, i) => basePort + i);
  const ports = {
    api: await freePort(),
    http: await freePort(),
    extproc: await freePort(),
    health: await freePort(),
    metrics: await freePort(),
  };
  await writeConfigDir(dir, strategy.config, replicaPorts);
  const router = await startRouter(dir, ports);
  let sim: Awaited<ReturnType<typeof startSim>> | undefined;
  try {
    sim = await startSim({
      replicas: o.replicas,
      basePort,
      apiPort: ports.api,
      pool: LIVE_POOL,
      model: BASE_MODEL,
      seed: o.seed,
      timeScale: o.timeScale,
    });
    await new Promise((r) => setTimeout(r, 1_000)); // a few pushes reach the router
    let shown = 0;
    const measured = await runLoad(ports.http, wall, (sent, done) => {
      if (!process.stderr.isTTY && Date.now() - shown < 5_000) return;
      shown = Date.now();
      progress(
        `live ${o.workload} ${strategy.name} ${qps} QPS: ${sent}/${requests.length} sent, ${done} done`,
      );
    });
    const outcomes = measured.map((m) => ({
      ...m,
      ttftMs: m.ttftMs / o.timeScale,
      e2eMs: m.e2eMs / o.timeScale,
    }));
    let hits = 0;
    let queries = 0;
    for (const port of replicaPorts) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      hits += Number(/^vllm:prefix_cache_hits_total\{[^}]*\} (\S+)/m.exec(text)?.[1] ?? 0);
      queries += Number(/^vllm:prefix_cache_queries_total\{[^}]*\} (\S+)/m.exec(text)?.[1] ?? 0);
    }
    return summarizeLive(
      strategy.name,
      qps,
      outcomes,
      requests.map((r) => r.maxTokens),
      queries > 0 ? hits / queries : 0,
    );
  } finally {
    if (sim) await stop(sim);
    await stop(router);
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  stopAllOnSignal();
  if (v.help) {
    console.log(
      "flags: --workload --strategies --qps a,b --duration S (model time, per point) --replicas N --seed N --time-scale X --out DIR",
    );
    return;
  }
  const replicas = Number(v.replicas);
  const o = {
    workload: v.workload!,
    durationS: Number(v.duration),
    replicas,
    seed: Number(v.seed),
    timeScale: Number(v["time-scale"]),
  };
  if (!workloads.has(o.workload)) throw new Error(`--workload: unknown "${o.workload}"`);
  const strategies = strategiesNamed(v.strategies!.split(","));
  const qpsList = v.qps ? v.qps.split(",").map(Number) : await defaultQps(o.workload, replicas, v.out!);
  const rows: LiveRow[] = [];
  for (const qps of qpsList) for (const s of strategies) rows.push(await runOne(s, qps, o));
  if (process.stderr.isTTY) process.stderr.write("\n");
  const lines = [
    `# Live cross-check: ${o.workload}, ${replicas} replicas, ${o.durationS} s (model time) per point, seed ${o.seed}, time scale ${o.timeScale}`,
    "",
    `Command: \`node --import tsx test/bench/quality-live.bench.ts --workload ${o.workload} --qps ${qpsList.join(",")} --duration ${o.durationS} --seed ${o.seed} --time-scale ${o.timeScale}\``,
    "",
    liveTable(rows),
    "",
  ];
  const base = strategies[0]!.name;
  for (const s of strategies.slice(1)) {
    for (const qps of qpsList) {
      const a = rows.find((r) => r.strategy === base && r.qps === qps)!;
      const b = rows.find((r) => r.strategy === s.name && r.qps === qps)!;
      lines.push(
        `- ${qps} QPS: ${s.name} / ${base} p90 e2e ${(b.e2eP90 / a.e2eP90).toFixed(2)}, p90 TTFT ${(b.ttftP90 / a.ttftP90).toFixed(2)}, hit rate ${a.prefixHitRate > 0 ? `${(b.prefixHitRate / a.prefixHitRate).toFixed(2)}x` : `${(b.prefixHitRate * 100).toFixed(1)}% vs 0%`}`,
      );
    }
  }
  const text = lines.join("\n");
  await mkdir(v.out!, { recursive: true });
  await writeFile(join(v.out!, `live-${o.workload}.md`), `${text}\n`);
  console.log(text);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
