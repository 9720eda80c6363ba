/**
 * Live scale-out run (issue 22): `serve` replicas behind nginx round-robin, one simulator pool pushing
 * to all of them (address list), on loopback. For each workload and load it runs the same seeded
 * stream (a) through one router, (b) through 3 routers that do not share, (c) through 3 routers with
 * --peers, and reports the target: (c)'s p90 e2e within 5% of (a)'s, with (b)'s gap beside it. Load
 * is a percent of round-robin's capacity on the pool's virtual-time twin (4 x llama2-7b-h100 = engine
 * "h100" at --replicas), measured before the run; --qps skips that. Then, once, (c) again with one
 * router SIGKILLed half way: every request that was not in flight on it must succeed (nginx retries a
 * refused connection on the next router).
 *
 *   node --import tsx test/bench/scale-out-live.bench.ts            (the #22 matrix; ~20 min)
 *   node --import tsx test/bench/scale-out-live.bench.ts --quick    (one short point, ~2 min)
 *
 * At 100% sharegpt the one router forwards ~60 streams/s (wall, time scale 2): if its CPU, not the
 * pool, limits the 1-router row (see top), raise --time-scale so the comparison is about routing.
 *
 * Needs `npm run build` first (the CLI runs from runtimes/node/bin.js). The old environment knobs
 * (SCALE_LIVE_QPS, _DURATION_S, _REPLICAS, _TIME_SCALE, _WORKLOAD, _AB) still work as defaults.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseBenchArgs } from "./quality/cli-args.js";
import { LIVE_POOL, writeConfigDir } from "./quality/live/live-config.js";
import { freePort, freePortRange, stop, stopAllOnSignal, waitForHttp } from "./quality/live/processes.js";
import { strategiesNamed } from "./quality/strategies.js";
import { quantile } from "./quality/summary.js";
import { measureCapacity, pairKey } from "./quality/sweep.js";
import { workloads } from "./quality/workloads/index.js";
import { generateStream } from "./quality/workloads/stream.js";
import { BASE_MODEL } from "./quality/workloads/workload.js";

const USAGE = `node --import tsx test/bench/scale-out-live.bench.ts [options]
  1 router vs 3 routers (own in-flight only, and with --peers) behind nginx, one sim pool; then one
  router killed mid-run. Run \`npm run build\` first.

  --workloads a,b   ${[...workloads.keys()].join(", ")} (default sharegpt,shared-prefix; env SCALE_LIVE_WORKLOAD)
  --load a,b        percent of round-robin's capacity on the pool's virtual-time twin (default 80,100)
  --qps X           explicit model-time req/s for every point instead of --load (env SCALE_LIVE_QPS)
  --duration S      model-time seconds of arrivals per run (default 30; env SCALE_LIVE_DURATION_S)
  --replicas N      simulated llama2-7b-h100 replicas (default 4; env SCALE_LIVE_REPLICAS)
  --time-scale X    wall ms per model ms of the sim (default 2; env SCALE_LIVE_TIME_SCALE)
  --no-kill         skip the run with a router killed half way
  --quick           shared-prefix, --qps 6, --duration 6 (a smoke run: figures mean little)
  --help
`;

function flags() {
  try {
    return parseArgs({
      options: {
        workloads: { type: "string" },
        load: { type: "string" },
        qps: { type: "string" },
        duration: { type: "string" },
        replicas: { type: "string" },
        "time-scale": { type: "string" },
        "no-kill": { type: "boolean", default: false },
        quick: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message} (--help)\n`);
    process.exit(2);
  }
}
const v = flags();
if (v.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/** A positive number from a flag, else the environment, else the default; exits naming the flag. */
function num(flag: string, text: string | undefined, def: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) {
    process.stderr.write(`--${flag}: ${JSON.stringify(text)} must be a positive number\n`);
    process.exit(2);
  }
  return n;
}

const quick = v.quick;
const env = process.env;
const qpsFixed =
  v.qps !== undefined || env.SCALE_LIVE_QPS !== undefined || quick
    ? num("qps", v.qps ?? env.SCALE_LIVE_QPS, 6)
    : undefined;
const durationS = num("duration", v.duration ?? env.SCALE_LIVE_DURATION_S, quick ? 6 : 30);
const simReplicas = num("replicas", v.replicas ?? env.SCALE_LIVE_REPLICAS, 4);
const timeScale = num("time-scale", v["time-scale"] ?? env.SCALE_LIVE_TIME_SCALE, 2);
const workloadNames = (
  v.workloads ??
  env.SCALE_LIVE_WORKLOAD ??
  (quick ? "shared-prefix" : "sharegpt,shared-prefix")
)
  .split(",")
  .map((w) => w.trim())
  .filter((w) => w !== "");
for (const w of workloadNames) {
  if (!workloads.has(w)) {
    process.stderr.write(`--workloads: "${w}" is not one of ${[...workloads.keys()].join(", ")}\n`);
    process.exit(2);
  }
}
const loads = (v.load ?? "80,100").split(",").map((x) => num("load", x.trim(), 0));
const kill = !v["no-kill"];
/** The virtual-time engine with the sim's replicas (llama2-7b-h100). */
const TWIN = "h100";

/** A progress line on stderr (stdout keeps the report). */
function progress(text: string): void {
  process.stderr.write(`[scale-live ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

const bin = new URL("../../runtimes/node/bin.js", import.meta.url).pathname;
const children: ChildProcess[] = [];

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}

async function startNginx(dir: string, upstreams: number[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  for (const d of ["body", "proxy", "fcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, d), { recursive: true });
  const conf = `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream routers { ${upstreams.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join(" ")} keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://routers; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; proxy_read_timeout 300s; client_max_body_size 32m;
      proxy_next_upstream error timeout;
      add_header X-Upstream $upstream_addr always;
    }
  }
}\n`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const child = spawn("nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: "ignore" });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.arrayBuffer());
      return { port, child };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("nginx did not start");
}

interface Outcome {
  startMs: number;
  endMs: number;
  ok: boolean;
  upstream: string;
}

async function one(url: string, body: string, t0: number): Promise<Outcome> {
  const startMs = performance.now() - t0;
  let upstream = "";
  try {
    // Bounded: a request cut by the kill must not hold the run.
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(120_000),
    });
    upstream = res.headers.get("x-upstream") ?? "";
    const text = await res.text();
    return { startMs, endMs: performance.now() - t0, ok: res.ok && text.includes("[DONE]"), upstream };
  } catch {
    return { startMs, endMs: performance.now() - t0, ok: false, upstream };
  }
}

async function run(workloadName: string, qps: number, routers: number, peers: boolean, kill: boolean) {
  progress(
    `${workloadName} @ ${qps} req/s: ${routers} router(s)${peers ? ", peer sharing" : ""}${kill ? ", one killed half way" : ""}`,
  );
  const dir = mkdtempSync(join(tmpdir(), "scale-live-"));
  // One set of taken ports per run: the sim's replicas listen on basePort + i, and a router port
  // handed out next to it would make the sim fail to bind (runs crashed on that before).
  const taken = new Set<number>();
  const basePort = await freePortRange(simReplicas, taken);
  const simPorts = Array.from({ length: simReplicas }, (_, i) => basePort + i);
  await writeConfigDir(dir, strategiesNamed(["ours"])[0]!.config, simPorts);
  const ports: { api: number; http: number; extproc: number; health: number; metrics: number }[] = [];
  for (let r = 0; r < routers; r++) {
    ports.push({
      api: await freePortRange(1, taken),
      http: await freePortRange(1, taken),
      extproc: await freePortRange(1, taken),
      health: await freePortRange(1, taken),
      metrics: await freePortRange(1, taken),
    });
  }
  const apiList = ports.map((p) => `http://127.0.0.1:${p.api}`).join(",");
  const procs = ports.map((p) =>
    start([
      "serve",
      "--config",
      dir,
      "--host",
      "127.0.0.1",
      ...["--api-port", String(p.api), "--http-port", String(p.http), "--extproc-port", String(p.extproc)],
      ...["--health-port", String(p.health), "--metrics-port", String(p.metrics), "--log-level", "error"],
      ...(peers ? ["--peers", apiList] : []),
    ]),
  );
  for (const p of ports) await waitForHttp(`http://127.0.0.1:${p.metrics}/healthz`);
  const sim = start([
    "sim",
    ...["--replicas", String(simReplicas), "--preset", "llama2-7b-h100", "--host", "127.0.0.1"],
    ...["--base-port", String(basePort), "--push", apiList, "--pool", LIVE_POOL, "--models", BASE_MODEL],
    ...["--time-scale", String(timeScale), "--max-tokens-cap", "4096", "--log-level", "error"],
  ]);
  for (const p of simPorts) await waitForHttp(`http://127.0.0.1:${p}/health`);
  const nginx = await startNginx(
    join(dir, "nginx"),
    ports.map((p) => p.http),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const requests = generateStream(workloads.get(workloadName)!, {
    qps,
    durationMs: durationS * 1000,
    seed: 42,
  });
  const url = `http://127.0.0.1:${nginx.port}/v1/completions`;
  const t0 = performance.now();
  const killAt = (durationS * 1000 * timeScale) / 2;
  const killed = `127.0.0.1:${ports.at(-1)!.http}`;
  if (kill) setTimeout(() => procs.at(-1)!.kill("SIGKILL"), killAt);
  const outcomes = await Promise.all(
    requests.map(async (r) => {
      const wait = r.arrivalMs * timeScale - (performance.now() - t0);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      const body = JSON.stringify({
        model: r.model,
        prompt: r.parts.join(""),
        max_tokens: r.maxTokens,
        stream: true,
      });
      return one(url, body, t0);
    }),
  );
  const hitRate = await prefixHitRate(simPorts);
  for (const c of [nginx.child, sim, ...procs]) await stop(c);
  const e2e = Float64Array.from(
    outcomes.filter((o) => o.ok).map((o) => (o.endMs - o.startMs) / timeScale),
  ).sort();
  const onKilled = (o: Outcome) =>
    kill && o.upstream.includes(killed) && o.startMs < killAt && o.endMs >= killAt;
  return {
    requests: outcomes.length,
    errors: outcomes.filter((o) => !o.ok).length,
    errorsNotOnKilled: outcomes.filter((o) => !o.ok && !onKilled(o)).length,
    inFlightOnKilled: outcomes.filter(onKilled).length,
    afterKillServed: outcomes.filter((o) => kill && o.ok && o.startMs >= killAt).length,
    p90: quantile(e2e, 0.9),
    hitRate,
  };
}

/**
 * The pool's prefix-cache hit rate over the run (cached prompt tokens / prompt tokens looked up, from
 * the sim replicas' vllm counters): how well the routers kept prefixes together, a figure the machine's
 * load hardly moves, unlike p90 e2e.
 */
async function prefixHitRate(ports: readonly number[]): Promise<number> {
  let hits = 0;
  let queries = 0;
  for (const port of ports) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    const value = (name: string) => {
      const line = text.split("\n").find((l) => l.startsWith(name));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
    };
    hits += value("vllm:prefix_cache_hits_total");
    queries += value("vllm:prefix_cache_queries_total");
  }
  return queries > 0 ? hits / queries : 0;
}

/** Round-robin's capacity (requests/s, whole pool) on the virtual-time twin, per workload. */
async function capacities(names: readonly string[]): Promise<Map<string, number>> {
  const bench = parseBenchArgs(
    [
      ...["--workload", names.join(","), "--engines", TWIN, "--strategies", "round-robin"],
      ...["--replicas", String(simReplicas), "--duration", "30", "--seed", "42"],
    ],
    {},
  );
  if (bench === "help") throw new Error("unreachable");
  progress(`capacity: round-robin on the virtual-time twin (${TWIN} x ${simReplicas})`);
  const c = await measureCapacity(
    bench,
    names.map((workload) => ({ engine: TWIN, workload })),
    5,
  );
  return new Map(names.map((w) => [w, c.saturation[pairKey(TWIN, w)]!]));
}

stopAllOnSignal();
// The processes this run started (stopAllOnSignal knows only processes.ts' own).
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    process.exit(130);
  });
const loadAtStart = loadavg();
if (env.SCALE_LIVE_AB) {
  // A/B only: 3 routers without and with sharing, interleaved SCALE_LIVE_AB times (noise check).
  const qps = qpsFixed ?? 12;
  for (let i = 0; i < Number(env.SCALE_LIVE_AB); i++) {
    const own = await run(workloadNames[0]!, qps, 3, false, false);
    const shared = await run(workloadNames[0]!, qps, 3, true, false);
    console.log(
      `A/B ${i + 1}: own only p90 ${(own.p90 / 1000).toFixed(2)} s, sharing p90 ${(shared.p90 / 1000).toFixed(2)} s`,
    );
  }
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  process.exit(0);
}

const capacity = qpsFixed === undefined ? await capacities(workloadNames) : undefined;
const points = workloadNames.flatMap((w) =>
  qpsFixed !== undefined
    ? [{ workload: w, load: "-", qps: qpsFixed }]
    : loads.map((l) => ({
        workload: w,
        load: `${l}%`,
        qps: Math.round(((capacity!.get(w)! * l) / 100) * 100) / 100,
      })),
);
type Result = Awaited<ReturnType<typeof run>>;
const rows: { point: (typeof points)[number]; one: Result; own: Result; shared: Result }[] = [];
for (const point of points) {
  const one = await run(point.workload, point.qps, 1, false, false);
  const own = await run(point.workload, point.qps, 3, false, false);
  const shared = await run(point.workload, point.qps, 3, true, false);
  rows.push({ point, one, own, shared });
}
const killPoint = points.at(-1)!;
const killed = kill ? await run(killPoint.workload, killPoint.qps, 3, true, true) : undefined;

const argv = process.argv.slice(2).join(" ");
console.log(
  `\n## Live scale-out: ${simReplicas} llama2-7b-h100 sim replicas at time scale ${timeScale}, ${durationS} s of arrivals (model time) per run, nginx round-robin front, seed 42\n`,
);
console.log(`Command: \`node --import tsx test/bench/scale-out-live.bench.ts${argv ? ` ${argv}` : ""}\``);
if (capacity)
  console.log(
    `Round-robin's capacity on the virtual-time twin (${TWIN} x ${simReplicas}): ${[...capacity].map(([w, c]) => `${w} ${c} req/s`).join(", ")}`,
  );
console.log(
  "\n| workload | load | QPS | requests | 1 router p90 e2e (s) | 3 routers, own only (s) | gap | 3 routers, peer sharing (s) | gap | errors (1 / own / sharing) | prefix hit rate (1 / own / sharing) | target (sharing <= +5%) |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|");
const pct = (x: number, base: number) => `${(((x - base) / base) * 100).toFixed(1)}%`;
for (const { point, one, own, shared } of rows) {
  const met = shared.errors === 0 && shared.p90 <= one.p90 * 1.05;
  console.log(
    `| ${point.workload} | ${point.load} | ${point.qps} | ${one.requests} | ${(one.p90 / 1000).toFixed(2)} | ${(own.p90 / 1000).toFixed(2)} | ${pct(own.p90, one.p90)} | ${(shared.p90 / 1000).toFixed(2)} | ${pct(shared.p90, one.p90)} | ${one.errors} / ${own.errors} / ${shared.errors} | ${[one, own, shared].map((r) => r.hitRate.toFixed(2)).join(" / ")} | ${met ? "MET" : "MISSED"} |`,
  );
}
if (killed) {
  console.log(
    `\nKilled run (${killPoint.workload} @ ${killPoint.qps} req/s, 3 routers with peer sharing, one SIGKILLed half way): ${killed.requests} requests, ${killed.errors} errors, ${killed.inFlightOnKilled} in flight on the killed router; ${killed.afterKillServed} sent after the kill, served by the other two. Target (zero errors for requests not in flight on it): ${killed.errorsNotOnKilled === 0 ? "MET" : `MISSED (${killed.errorsNotOnKilled})`}`,
  );
}
const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
console.log(
  `\nLoad average (1 / 5 / 15 min) at the start: ${fmt(loadAtStart)}; at the end: ${fmt(loadavg())}`,
);
for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
