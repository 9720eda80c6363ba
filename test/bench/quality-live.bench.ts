/**
 * Live cross-check of the routing-quality matrix (issue 17 item 4): real processes on loopback, the
 * same request list through nginx round-robin (the plain load balancer a user would otherwise put in
 * front of the pool) and through `inference-router serve`'s HTTP router with its built-in default
 * scheduler (no EndpointPickerConfig: what a user gets without tuning), on two pools of
 * `inference-router sim` replicas:
 *
 * - kv-bound: 4 x llama2-7b-h100 with 512 KV blocks (8,192 tokens) each; the sim preempts the newest
 *   running request when blocks run out (recompute, as vLLM does);
 * - hetero: 4 x llama2-7b-h100 with the full KV cache, two of them 3x slower in every step (a sim
 *   process at 3x the time scale).
 *
 * Workload shared-prefix by default (150 groups x 5 prompts of ~1,800 tokens sharing a ~1,500-token
 * system prompt, 256 output tokens, streamed; `--workload` picks another, e.g. popular-prefix, the
 * setting issue 17's own live measurement described), Poisson arrivals at --load percent (default 85) of
 * round-robin's capacity on that pool, measured on the pool's virtual-time twin before the run. Each
 * (pool, front door) gets fresh processes (cold caches). The sims run --time-scale times slower than
 * the model (default 2, so a busy 2-core machine keeps up): arrivals are spread by that factor and
 * latencies divided by it, so QPS and latencies are in model time. Each pool's report also gives the
 * floor: the twin's p90 e2e at 5% of capacity over nginx's p90 e2e, below which no front door can go.
 *
 *   npm run bench:quality:live                 # both pools, 120 s of arrivals each (~20 min)
 *   npm run bench:quality:live -- --quick      # both pools, 20 s each (~4 min): shows it works
 *   npm run bench:quality:live -- --help
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultSchedulerConfig } from "../../src/scheduling/config/default-config.js";
import { parseBenchArgs } from "./quality/cli-args.js";
import { kvBoundBlocks, liveSlowdown } from "./quality/engines.js";
import { LIVE_POOL, writeBuiltinConfigDir, writeConfigDir } from "./quality/live/live-config.js";
import { type LiveRow, liveTableWithPreemptions, summarizeLive } from "./quality/live/live-summary.js";
import { runLoad } from "./quality/live/load.js";
import { nginxVersion, startNginx } from "./quality/live/nginx.js";
import { freePortRange, startRouter, startSim, stop, stopAllOnSignal } from "./quality/live/processes.js";
import { strategiesNamed } from "./quality/strategies.js";
import { measureCapacity, pairKey, unloadedPercent } from "./quality/sweep.js";
import { workloads } from "./quality/workloads/index.js";
import { generateStream } from "./quality/workloads/stream.js";
import { BASE_MODEL } from "./quality/workloads/workload.js";

const USAGE = `npm run bench:quality:live [-- flags]

Live cross-check: the same request list through nginx round-robin and through \`serve\`'s HTTP
router (built-in default scheduler), on real \`sim\` processes on loopback. Prints and writes a table
per pool (p50/p90 TTFT, TPOT, e2e, preemptions, errors, prefix hit rate) and the #17 live targets.

  --pools a,b          kv-bound, hetero (default both)
  --workload W         shared-prefix (default) or any matrix workload, e.g. popular-prefix (issue 17's own setting)
  --load P             percent of round-robin's capacity on the pool (virtual-time twin; default 85)
  --qps X              explicit QPS (model time) for every pool instead of --load (no capacity run)
  --duration S         seconds of arrivals per run, model time; the first third is warm-up (default 120; quick 20)
  --quick              a short run (--duration 20 unless given) to check that everything works
  --strategies a,b     extra \`serve\` runs with these matrix strategies' EndpointPickerConfigs (default none)
  --replicas N         sim replicas per pool (default 4; hetero: half of them slow)
  --time-scale X       wall ms per model ms of the sims (default 2)
  --push-interval MS   sim push period, model ms (default 200)
  --seed N             arrivals and contents (default 42)
  --out DIR            results directory (default test/bench/results/live; quick: test/bench/results/live/quick)
  --help
`;

const { values: v } = parseArgs({
  options: {
    pools: { type: "string", default: process.env.QUALITY_LIVE_POOLS ?? "kv-bound,hetero" },
    workload: { type: "string", default: process.env.QUALITY_LIVE_WORKLOAD ?? "shared-prefix" },
    load: { type: "string", default: process.env.QUALITY_LIVE_LOAD ?? "85" },
    qps: { type: "string", default: process.env.QUALITY_LIVE_QPS },
    duration: { type: "string", default: process.env.QUALITY_LIVE_DURATION },
    quick: { type: "boolean", default: process.env.QUALITY_LIVE_QUICK === "1" },
    strategies: { type: "string", default: process.env.QUALITY_LIVE_STRATEGIES ?? "" },
    replicas: { type: "string", default: process.env.QUALITY_LIVE_REPLICAS ?? "4" },
    "time-scale": { type: "string", default: process.env.QUALITY_LIVE_TIME_SCALE ?? "2" },
    "push-interval": { type: "string", default: process.env.QUALITY_LIVE_PUSH_INTERVAL ?? "200" },
    seed: { type: "string", default: process.env.QUALITY_SEED ?? "42" },
    out: { type: "string", default: process.env.QUALITY_OUT },
    help: { type: "boolean" },
  },
  strict: true,
});

const WORKLOAD = v.workload!;

/** A progress line on stderr (stdout keeps the report). */
function progress(text: string): void {
  process.stderr.write(`[live ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

/** One pool of the cross-check: groups of sim replicas, each group one sim process. */
interface LivePool {
  name: string;
  /** The virtual-time engine profile with the same replicas (for round-robin's capacity). */
  twin: string;
  description: string;
  /** Targets of issue 17: p90 e2e and p90 TTFT of ours / nginx at most these. */
  targets: { e2e: number; ttft: number };
  groups(replicas: number): { replicas: number; slowdown: number; numBlocks?: number }[];
}

const pools: readonly LivePool[] = [
  {
    name: "kv-bound",
    twin: "kv-bound",
    description: `llama2-7b-h100 with ${kvBoundBlocks} KV blocks (${kvBoundBlocks * 16} tokens) per replica, newest-first preemption`,
    targets: { e2e: 0.8, ttft: 0.5 },
    groups: (n) => [{ replicas: n, slowdown: 1, numBlocks: kvBoundBlocks }],
  },
  {
    name: "hetero",
    twin: "hetero-speed",
    description: `llama2-7b-h100 (117,648 KV tokens), half of the replicas ${liveSlowdown}x slower in every step`,
    targets: { e2e: 0.5, ttft: 0.2 },
    groups: (n) => [
      { replicas: Math.ceil(n / 2), slowdown: 1 },
      { replicas: Math.floor(n / 2), slowdown: liveSlowdown },
    ],
  },
];

interface Options {
  durationS: number;
  replicas: number;
  seed: number;
  timeScale: number;
  pushIntervalMs: number;
}

/** A front door under test: nginx, or `serve` with a config dir. */
type FrontDoor =
  | { kind: "nginx"; name: string }
  | { kind: "serve"; name: string; builtin?: string; config?: unknown };

function num(flag: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${flag}: "${raw}" is not a number in [${min}, ${max}]`);
  }
  return n;
}

/** Sums a counter over the replicas' /metrics. */
async function sumMetric(ports: readonly number[], name: string): Promise<number> {
  let total = 0;
  const re = new RegExp(`^${name.replace(/[:]/g, "\\:")}(?:\\{[^}]*\\})? (\\S+)`, "m");
  for (const port of ports) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    total += Number(re.exec(text)?.[1] ?? 0);
  }
  return total;
}

async function runOne(pool: LivePool, door: FrontDoor, qps: number, o: Options): Promise<LiveRow> {
  const workload = workloads.get(WORKLOAD)!;
  const requests = generateStream(workload, { qps, durationMs: o.durationS * 1000, seed: o.seed });
  const wall = requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs * o.timeScale }));
  const groups = pool.groups(o.replicas);
  const groupPorts: number[][] = [];
  const taken = new Set<number>();
  for (const g of groups) {
    const base = await freePortRange(g.replicas, taken);
    groupPorts.push(Array.from({ length: g.replicas }, (_, i) => base + i));
  }
  const replicaPorts = groupPorts.flat();
  const httpPort = await freePortRange(1, taken);
  const children: { stop(): Promise<void> }[] = [];
  let dir: string | undefined;
  try {
    let apiPort: number | undefined;
    if (door.kind === "serve") {
      dir = await mkdtemp(join(tmpdir(), "quality-live-"));
      if (door.builtin !== undefined) await writeBuiltinConfigDir(dir, door.builtin, replicaPorts);
      else await writeConfigDir(dir, door.config, replicaPorts);
      const ports = {
        api: await freePortRange(1, taken),
        http: httpPort,
        extproc: await freePortRange(1, taken),
        health: await freePortRange(1, taken),
        metrics: await freePortRange(1, taken),
      };
      apiPort = ports.api;
      const router = await startRouter(dir, ports);
      children.push({ stop: () => stop(router) });
    }
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi]!;
      const sim = await startSim({
        replicas: g.replicas,
        basePort: groupPorts[gi]![0]!,
        ...(apiPort !== undefined ? { apiPort } : {}),
        pool: LIVE_POOL,
        model: BASE_MODEL,
        seed: o.seed + gi,
        timeScale: o.timeScale * g.slowdown,
        ...(g.numBlocks !== undefined ? { numBlocks: g.numBlocks } : {}),
        pushIntervalMs: o.pushIntervalMs * o.timeScale,
      });
      children.unshift({ stop: () => stop(sim) });
    }
    if (door.kind === "nginx") {
      const nginx = await startNginx(httpPort, replicaPorts);
      children.unshift({ stop: () => nginx.stop() });
    }
    await new Promise((r) => setTimeout(r, 1_000)); // a few pushes reach the router
    let shown = 0;
    const label = `live ${pool.name} ${door.name} ${qps} QPS`;
    progress(`${label}: ${requests.length} requests over ${Math.round((o.durationS * o.timeScale) / 1)} s`);
    const measured = await runLoad(httpPort, wall, (sent, done) => {
      if (Date.now() - shown < 5_000) return;
      shown = Date.now();
      progress(`${label}: ${sent}/${requests.length} sent, ${done} done`);
    });
    const outcomes = measured.map((m) => ({
      ...m,
      ttftMs: m.ttftMs / o.timeScale,
      e2eMs: m.e2eMs / o.timeScale,
    }));
    const hits = await sumMetric(replicaPorts, "vllm:prefix_cache_hits_total");
    const queries = await sumMetric(replicaPorts, "vllm:prefix_cache_queries_total");
    const preemptions = await sumMetric(replicaPorts, "vllm:num_preemptions_total");
    const row = summarizeLive(
      door.name,
      qps,
      outcomes,
      requests.map((r) => r.maxTokens),
      queries > 0 ? hits / queries : 0,
    );
    row.preemptions = preemptions;
    progress(
      `${label}: done, p90 e2e ${(row.e2eP90 / 1000).toFixed(2)} s, p90 TTFT ${row.ttftP90.toFixed(0)} ms, ${row.failed} errors, ${preemptions} preemptions`,
    );
    return row;
  } finally {
    for (const c of children) await c.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** Round-robin's capacity (requests/s, whole pool) on each pool's virtual-time twin. */
async function capacities(
  selected: readonly LivePool[],
  o: Options,
): Promise<Map<string, { capacity: number; unloadedE2eMs: number }>> {
  const bench = parseBenchArgs(
    [
      "--workload",
      WORKLOAD,
      "--engines",
      "kv-bound",
      "--strategies",
      "round-robin",
      "--replicas",
      String(o.replicas),
      "--push-interval",
      String(o.pushIntervalMs),
      "--duration",
      "30",
      "--seed",
      String(o.seed),
    ],
    {},
  );
  if (bench === "help") throw new Error("unreachable");
  progress(`capacity: round-robin on the virtual-time twins (${selected.map((p) => p.twin).join(", ")})`);
  const c = await measureCapacity(
    bench,
    selected.map((p) => ({ engine: p.twin, workload: WORKLOAD })),
    5,
  );
  const key = (p: LivePool) => pairKey(p.twin, WORKLOAD);
  return new Map(
    selected.map((p) => [
      p.name,
      { capacity: c.saturation[key(p)]!, unloadedE2eMs: c.unloadedE2eMs[key(p)]! },
    ]),
  );
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : "-";
}

async function main(): Promise<void> {
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  stopAllOnSignal();
  const quick = v.quick === true;
  const o: Options = {
    durationS: num("duration", v.duration ?? (quick ? "20" : "120"), 5, 3_600),
    replicas: num("replicas", v.replicas, 2, 8),
    seed: num("seed", v.seed, 0, 2 ** 31),
    timeScale: num("time-scale", v["time-scale"], 0.1, 100),
    pushIntervalMs: num("push-interval", v["push-interval"], 10, 60_000),
  };
  const loadPercent = num("load", v.load, 1, 500);
  const out = v.out ?? (quick ? "test/bench/results/live/quick" : "test/bench/results/live");
  if (!workloads.has(WORKLOAD)) {
    throw new Error(`--workload: unknown "${WORKLOAD}" (known: ${[...workloads.keys()].join(", ")})`);
  }
  const names = v.pools!.split(",").filter((s) => s.length > 0);
  const selected = names.map((n) => {
    const p = pools.find((x) => x.name === n);
    if (!p) throw new Error(`--pools: unknown "${n}" (known: ${pools.map((x) => x.name).join(", ")})`);
    return p;
  });
  const extra = strategiesNamed(v.strategies ? v.strategies.split(",").filter((s) => s.length > 0) : []);
  const doors: FrontDoor[] = [
    { kind: "nginx", name: "nginx round-robin" },
    { kind: "serve", name: "serve (built-in default)", builtin: "default" },
    ...(v.strategies ? extra : []).map(
      (s): FrontDoor => ({ kind: "serve", name: `serve (${s.name})`, config: s.config }),
    ),
  ];
  const fixedQps = v.qps === undefined ? undefined : num("qps", v.qps, 0.01, 10_000);
  const capacity = fixedQps === undefined ? await capacities(selected, o) : undefined;
  const profile = defaultSchedulerConfig()
    .schedulingProfiles[0]!.plugins.map((r) =>
      r.weight === undefined ? r.pluginRef : `${r.pluginRef} ${r.weight}`,
    )
    .join(", ");
  const command = `npm run bench:quality:live --${quick ? " --quick" : ""} --pools ${names.join(",")} --workload ${WORKLOAD} ${fixedQps === undefined ? `--load ${loadPercent}` : `--qps ${fixedQps}`} --duration ${o.durationS} --replicas ${o.replicas} --time-scale ${o.timeScale} --push-interval ${o.pushIntervalMs} --seed ${o.seed}${v.strategies ? ` --strategies ${v.strategies}` : ""}`;
  const lines = [
    `# Live cross-check (${quick ? "quick" : "full"} run): nginx round-robin vs serve, workload ${WORKLOAD}`,
    "",
    `Command: \`${command}\``,
    "",
    `serve runs RouterConfig spec.scheduler.builtin "default" (no EndpointPickerConfig): ${profile}.`,
    `${nginxVersion()}: one process, upstream round-robin, HTTP/1.1 keep-alive, proxy_buffering off, no retries.`,
    `${o.replicas} sim replicas per pool, pushing every ${o.pushIntervalMs} ms (model time) to serve; time scale ${o.timeScale}; ${o.durationS} s of Poisson arrivals (model time) per run, the first third warm-up; latencies in model time; preemptions and prefix hits are whole-run sums over the replicas' /metrics.`,
    "",
  ];
  const loadAtStart = loadavg();
  const verdicts: string[] = [];
  for (const pool of selected) {
    const twin = capacity?.get(pool.name);
    const cap = twin?.capacity;
    const qps = fixedQps ?? Math.round(((cap! * loadPercent) / 100) * 100) / 100;
    const rows: LiveRow[] = [];
    for (const door of doors) rows.push(await runOne(pool, door, qps, o));
    lines.push(`## ${pool.name}: ${pool.description}`, "");
    lines.push(
      cap === undefined
        ? `${qps} QPS (given).`
        : `Round-robin's capacity on the virtual-time twin (${pool.twin}): ${cap} req/s; ${loadPercent}% = ${qps} QPS.`,
      "",
      liveTableWithPreemptions(rows),
      "",
    );
    const base = rows[0]!;
    for (const r of rows.slice(1)) {
      lines.push(
        `- ${r.strategy} / nginx: p50 e2e ${ratio(r.e2eP50, base.e2eP50)}, p90 e2e ${ratio(r.e2eP90, base.e2eP90)}, p50 TTFT ${ratio(r.ttftP50, base.ttftP50)}, p90 TTFT ${ratio(r.ttftP90, base.ttftP90)}, p90 TPOT ${ratio(r.tpotP90, base.tpotP90)}`,
      );
    }
    const ours = rows[1]!;
    // No front door beats the engines unloaded: the twin's p90 e2e at a few percent of capacity.
    const floor =
      twin === undefined
        ? ""
        : `; the floor, the twin's p90 e2e at ${unloadedPercent}% load (${(twin.unloadedE2eMs / 1000).toFixed(2)} s), is ${ratio(twin.unloadedE2eMs, base.e2eP90)}x nginx`;
    if (twin !== undefined) {
      lines.push(
        `- Floor: the virtual-time twin's p90 e2e at ${unloadedPercent}% of capacity is ${(twin.unloadedE2eMs / 1000).toFixed(2)} s, ${ratio(twin.unloadedE2eMs, base.e2eP90)}x nginx's p90 e2e here: no front door gets below it.`,
      );
    }
    const e2e = ours.e2eP90 / base.e2eP90;
    const ttft = ours.ttftP90 / base.ttftP90;
    const met = e2e <= pool.targets.e2e && ttft <= pool.targets.ttft && ours.failed === 0;
    verdicts.push(
      `- ${met ? "MET" : "MISSED"}: ${pool.name}: p90 e2e <= ${pool.targets.e2e}x nginx (${e2e.toFixed(2)}${floor}), p90 TTFT <= ${pool.targets.ttft}x (${ttft.toFixed(2)}), zero errors (${ours.failed}; nginx ${base.failed})`,
    );
    lines.push("");
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  lines.push(
    `Load average (1 / 5 / 15 min) at the start: ${load(loadAtStart)}; at the end: ${load(loadavg())} (${process.platform}, 2-core figures are noisy when it is above 2).`,
    "",
  );
  lines.push("## Issue 17 live targets (serve's built-in default vs nginx round-robin)", "", ...verdicts, "");
  const text = lines.join("\n");
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "summary.md"), text);
  console.log(text);
  progress(`written ${join(out, "summary.md")}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
