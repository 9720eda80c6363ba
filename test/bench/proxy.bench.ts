/**
 * Front-door cost on loopback (not a test): one minimal OpenAI upstream reached directly, through
 * nginx (1 worker, plain proxy_pass), through a bare node:http pass-through proxy (the Node floor) and
 * through `inference-router serve` started as a user starts it (the CLI from the built bundle, a config
 * directory with one pool and the default profile, metrics on, endpoint state pushed over the Connect
 * API every 100 ms by the simulator's push client), all in the same run, rows interleaved. JSON (a
 * ~300-byte answer with usage) and SSE (17 events) at 32 keep-alive clients and at 1 client. CPU per
 * request of each proxy is its process group's user + system time from /proc. The load generator is
 * wrk (its own CPU is printed, so a saturated client shows). See --help.
 *
 * Run: npm run build && npm run bench:proxy [-- --ms 3000 --rounds 1 ...]
 */

import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { pushIdleReplica } from "./proxy-push.js";
import {
  type LoadRun,
  type LoadSpec,
  runNodeClient,
  runWrk,
  ticksPerSecond,
  writeWrkScript,
  wrkPath,
} from "./proxy-wrk.js";

const USAGE = `npm run bench:proxy [-- options]

Front-door cost on loopback: one minimal OpenAI upstream reached directly, through nginx (1 worker),
through a bare node:http pass-through proxy and through \`inference-router serve\` (the CLI from the built
bundle, a config directory with one pool, default profile, metrics on, state pushed over the Connect API),
JSON and SSE at 32 clients and 1 client, rows interleaved; req/s, p50/p99, CPU per request of each
proxy (its process group, from /proc), the load generator's own CPU, and the issue #24 targets.
Run \`npm run build\` first: bin.js runs the TypeScript sources through tsx when they are newer.

  --ms N              ms per measured row (default 3000, or env BENCH_MS; wrk rounds to whole seconds)
  --rounds N          repeat the interleaved rows N times, even rounds in reverse target order; the
                      table shows medians, the targets the median of the per-round ratios (default 1)
  --warmup-ms N       unmeasured load per target and answer kind before the rows (default 4000): serve
                      has far more code for V8 to optimise than the bare proxy, and its compiler
                      threads' CPU counts against the first rows if they start too early
  --only json|sse     measure one answer kind
  --client wrk|node   load generator (default wrk when installed; node = node:http client in this process)
  --serve-node-args=S extra node options for serve, e.g. --serve-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"
                      (also env BENCH_SERVE_NODE_ARGS; the profile is written when serve exits)
  --bare-node-args=S  the same for the bare proxies (to compare profiles)
  --baseline PATH     also run \`serve\` from another bin.js (e.g. a copy of the bundle built at the commit
                      before a change, with bin.js beside it), as "serve (baseline)", in the same
                      interleaved rows: an A/B on the same machine state
  --bare-undici       also run a bare proxy whose upstream client is undici (serve's), buffering the
                      answer as serve does: separates the upstream client's cost from serve's own
  --in-process        run serve's code inside this bench process instead (for profiling this process,
                      e.g. node --cpu-prof --import tsx test/bench/proxy.bench.ts --in-process);
                      its rows are labelled "in-process", its CPU is this whole process
  --help`;

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      ms: { type: "string" },
      rounds: { type: "string" },
      "warmup-ms": { type: "string" },
      only: { type: "string" },
      client: { type: "string" },
      "serve-node-args": { type: "string" },
      "bare-node-args": { type: "string" },
      baseline: { type: "string" },
      "bare-undici": { type: "boolean" },
      "in-process": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
}
try {
  args = parse();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n(--help for the options)\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
function positive(name: string, raw: string | undefined, dflt: number, max: number): number {
  const n = raw === undefined ? dflt : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    process.stderr.write(`--${name}: "${raw}" must be a whole number from 1 to ${max}\n`);
    process.exit(2);
  }
  return n;
}
const MS = positive("ms", args.ms ?? process.env.BENCH_MS, 3000, 60_000);
const ROUNDS = positive("rounds", args.rounds, 1, 20);
const WARMUP_MS = positive("warmup-ms", args["warmup-ms"], 4000, 60_000);
if (args.only !== undefined && args.only !== "json" && args.only !== "sse") {
  process.stderr.write(`--only: "${args.only}" must be json or sse\n`);
  process.exit(2);
}
const KINDS: readonly ("json" | "sse")[] = args.only === undefined ? ["json", "sse"] : [args.only];
const IN_PROCESS = args["in-process"] === true;
const SERVE_NODE_ARGS = (args["serve-node-args"] ?? process.env.BENCH_SERVE_NODE_ARGS ?? "")
  .split(" ")
  .filter(Boolean);
const BARE_NODE_ARGS = (args["bare-node-args"] ?? "").split(" ").filter(Boolean);
const WRK = args.client === "node" ? undefined : wrkPath();
if (args.client !== undefined && args.client !== "node" && args.client !== "wrk") {
  process.stderr.write(`--client: "${args.client}" must be wrk or node\n`);
  process.exit(2);
}
if (args.client === "wrk" && WRK === undefined) {
  process.stderr.write("--client wrk: wrk is not installed (apt-get install -y wrk)\n");
  process.exit(2);
}
if (IN_PROCESS && WRK === undefined) {
  process.stderr.write("--in-process needs wrk: the node client would share the process it measures\n");
  process.exit(2);
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "proxy-bench-"));
const children: ChildProcess[] = [];
const progress = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** A port the OS says is free now (for nginx, which cannot report the port it bound). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a process in its own process group; resolves with the stdout/stderr text matching `ready`. */
function start(cmd: string, argv: string[], ready: RegExp): Promise<RegExpExecArray & { pid: number }> {
  const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${text}`)), 30_000);
    const on = (d: Buffer) => {
      if (text.length < 100_000) text += d.toString();
      const m = ready.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Object.assign(m, { pid: child.pid! }));
      }
    };
    child.stdout!.on("data", on);
    child.stderr!.on("data", on);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}: ${text}`));
    });
  });
}

/** CPU time so far, ms: user and system. */
interface Cpu {
  user: number;
  sys: number;
}

/** CPU (user and system, with reaped children) of every process in process group `pgid`, from /proc. */
function groupCpu(pgid: number): Cpu {
  let user = 0;
  let sys = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    if (Number(f[2]) !== pgid) continue;
    user += Number(f[11]) + Number(f[13]);
    sys += Number(f[12]) + Number(f[14]);
  }
  const ms = 1000 / ticksPerSecond();
  return { user: user * ms, sys: sys * ms };
}

function thisProcessCpu(): Cpu {
  const c = process.cpuUsage();
  return { user: c.user / 1000, sys: c.system / 1000 };
}

async function waitFor200(port: number, body: string): Promise<void> {
  let last = "";
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      last = `${res.status} ${await res.text()}`;
      if (res.ok) return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never answered 200: ${last}`);
}

async function startNginx(upstream: number): Promise<{ port: number; pgid: number } | undefined> {
  const bin = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].find((p) => existsSync(p));
  if (bin === undefined) {
    progress("nginx is not installed: its rows are skipped (apt-get install -y nginx-light).");
    return undefined;
  }
  const port = await freePort();
  const d = join(dir, "nginx");
  mkdirSync(d);
  const conf = `worker_processes 1; daemon off; master_process on; pid ${d}/nginx.pid; error_log ${d}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${d}/body; proxy_temp_path ${d}/proxy; fastcgi_temp_path ${d}/fcgi;
  uwsgi_temp_path ${d}/uwsgi; scgi_temp_path ${d}/scgi;
  upstream pool { server 127.0.0.1:${upstream}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://pool; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; client_max_body_size 32m;
    }
  }
}\n`;
  writeFileSync(join(d, "nginx.conf"), conf);
  const child = spawn(bin, ["-p", d, "-c", join(d, "nginx.conf")], { stdio: "ignore", detached: true });
  children.push(child);
  await waitFor200(port, json);
  return { port, pgid: child.pid! };
}

/** `serve` as a user runs it: bin.js (the bundle when current), a config directory, every port 0. */
async function startServeProcess(
  upstream: number,
  bin = join(root, "runtimes/node/bin.js"),
): Promise<{ http: number; api: number; metrics: number; pgid: number }> {
  const configDir = writeConfigDir(upstream);
  const ports = [
    "--http-port",
    "0",
    "--api-port",
    "0",
    "--extproc-port",
    "0",
    "--health-port",
    "0",
    "--metrics-port",
    "0",
  ];
  const ready =
    /"service":"api","port":(\d+)[\s\S]*"service":"metrics","port":(\d+)[\s\S]*"service":"http","port":(\d+)[\s\S]*"msg":"scheduler"/;
  const m = await start(
    process.execPath,
    [...SERVE_NODE_ARGS, bin, "serve", "--config", configDir, "--host", "127.0.0.1", ...ports],
    ready,
  );
  return { api: Number(m[1]), metrics: Number(m[2]), http: Number(m[3]), pgid: m.pid };
}

/** The same, in this process (for profiling it); its CPU is this process's. */
async function startServeInProcess(
  upstream: number,
): Promise<{ http: number; api: number; metrics: number; close: () => Promise<void> }> {
  const { parseFlags } = await import("../../runtimes/node/flags.js");
  const { serveFlags } = await import("../../runtimes/node/serve-flags.js");
  const { startServe } = await import("../../runtimes/node/serve.js");
  const { setLogLevel } = await import("../../runtimes/node/log.js");
  setLogLevel("warn");
  const argv = ["--config", writeConfigDir(upstream), "--host", "127.0.0.1"];
  for (const p of ["http-port", "api-port", "extproc-port", "health-port", "metrics-port"])
    argv.push(`--${p}`, "0");
  const s = await startServe(parseFlags(serveFlags, argv, {}, true).values);
  return { http: s.ports.http!, api: s.ports.api!, metrics: s.ports.metrics!, close: () => s.close() };
}

let configDirs = 0;
function writeConfigDir(upstream: number): string {
  const d = join(dir, `config-${++configDirs}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(
    join(d, "pool.yaml"),
    `# One pool; everything else (limits, the scheduler's default profile, metrics) takes its defaults.
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: bench
spec:
  selector:
    matchLabels:
      app: bench
  targetPorts:
    - number: ${upstream}
`,
  );
  return d;
}

const messages = [{ role: "user", content: "Say hello to the benchmark." }];
const json = JSON.stringify({ model: "bench-model", messages, max_tokens: 16 });
const sse = JSON.stringify({ model: "bench-model", messages, max_tokens: 16, stream: true });
const bodies = { json, sse } as const;
const bodyFiles = { json: join(dir, "json.json"), sse: join(dir, "sse.json") } as const;
writeFileSync(bodyFiles.json, json);
writeFileSync(bodyFiles.sse, sse);
const script = WRK === undefined ? "" : writeWrkScript(dir);

interface Target {
  name: string;
  port: number;
  /** CPU ms so far of the proxy (undefined for direct). */
  cpu?: () => Cpu;
}

interface Sample extends LoadRun {
  target: string;
  kind: "json" | "sse";
  clients: number;
  round: number;
  proxyCpuUs: number;
  /** The system (kernel) part of proxyCpuUs. */
  proxySysUs: number;
  upstreamCpuUs: number;
  load1: number;
}

function runOnce(port: number, kind: "json" | "sse", clients: number, ms: number): Promise<LoadRun> {
  const spec: LoadSpec = {
    port,
    path: "/v1/chat/completions",
    bodyFile: bodyFiles[kind],
    body: bodies[kind],
    clients,
    ms,
  };
  return WRK === undefined ? runNodeClient(spec) : runWrk(WRK, script, spec);
}

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");

async function main(): Promise<void> {
  const loadBefore = load();
  progress(
    `bench:proxy: ${MS} ms per row, ${ROUNDS} round(s), load generator ${WRK ?? "node:http (in this process)"}; load average ${loadBefore}`,
  );
  const up = await start(
    process.execPath,
    ["--import", "tsx", "test/bench/proxy-upstream.ts"],
    /listening (\d+)/,
  );
  const upstream = Number(up[1]);
  const targets: Target[] = [{ name: "direct", port: upstream }];
  const nginx = await startNginx(upstream);
  if (nginx) targets.push({ name: "nginx", port: nginx.port, cpu: () => groupCpu(nginx.pgid) });
  const bare = await start(
    process.execPath,
    [...BARE_NODE_ARGS, "--import", "tsx", "test/bench/proxy-bare-node.ts", String(upstream)],
    /listening (\d+)/,
  );
  targets.push({ name: "bare node:http", port: Number(bare[1]), cpu: () => groupCpu(bare.pid) });
  if (args["bare-undici"]) {
    const bu = await start(
      process.execPath,
      [...BARE_NODE_ARGS, "--import", "tsx", "test/bench/proxy-bare-undici.ts", String(upstream)],
      /listening (\d+)/,
    );
    targets.push({ name: "bare undici", port: Number(bu[1]), cpu: () => groupCpu(bu.pid) });
  }
  const baselines: { api: number; name: string }[] = [];
  if (args.baseline !== undefined) {
    const b = await startServeProcess(upstream, args.baseline);
    targets.push({ name: "serve (baseline)", port: b.http, cpu: () => groupCpu(b.pgid) });
    baselines.push({ api: b.api, name: "serve (baseline)" });
  }
  let closeInProcess: (() => Promise<void>) | undefined;
  let ours: { http: number; api: number; metrics: number };
  const oursName = IN_PROCESS ? "serve (in-process)" : "serve";
  if (IN_PROCESS) {
    const s = await startServeInProcess(upstream);
    closeInProcess = s.close;
    ours = s;
    targets.push({ name: oursName, port: s.http, cpu: thisProcessCpu });
  } else {
    const s = await startServeProcess(upstream);
    ours = s;
    targets.push({ name: oursName, port: s.http, cpu: () => groupCpu(s.pgid) });
  }
  // State pushed as a deployment would: the simulator's push client, one replica, every 100 ms.
  const pushTo = (api: number) =>
    pushIdleReplica({ api, address: `127.0.0.1:${upstream}`, source: "bench-replica-0", intervalMs: 100 });
  const stops = [ours, ...baselines].map((s) => pushTo(s.api));
  const stopPush = () => {
    for (const stop of stops) stop();
  };
  try {
    for (const t of targets) await waitFor200(t.port, json);
    progress(
      `started: upstream :${upstream}, ${targets.map((t) => `${t.name} :${t.port}`).join(", ")}; warming up (${WARMUP_MS} ms per target and answer kind)`,
    );
    for (const t of targets) for (const k of KINDS) await runOnce(t.port, k, 32, WARMUP_MS);
    // What each proxy spends with no requests (serve: the pushes every 100 ms, timers): a cost per
    // second, which becomes a cost per request only divided by the request rate.
    const idleMs = 2000;
    const i0 = targets.map((t) => t.cpu?.());
    await new Promise((r) => setTimeout(r, idleMs));
    const idle = new Map<string, number>();
    targets.forEach((t, i) => {
      const a = i0[i];
      const b = t.cpu?.();
      if (a !== undefined && b !== undefined)
        idle.set(t.name, ((b.user + b.sys - a.user - a.sys) * 1000) / idleMs);
    });
    progress(
      `idle CPU (no requests, ${idleMs} ms): ${[...idle].map(([n, v]) => `${n} ${f1(v)} ms/s`).join(", ")}`,
    );

    const samples: Sample[] = [];
    const rows = KINDS.flatMap((kind) => [32, 1].map((clients) => ({ kind, clients })));
    const total = ROUNDS * rows.length * targets.length;
    let n = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { kind, clients } of rows) {
        // Even rounds run the targets in reverse: no target always follows the same one.
        for (const t of round % 2 === 0 ? [...targets].reverse() : targets) {
          const p0 = t.cpu?.();
          const u0 = groupCpu(up.pid);
          const r = await runOnce(t.port, kind, clients, MS);
          const p1 = t.cpu?.();
          const u1 = groupCpu(up.pid);
          const per = (a: Cpu | undefined, b: Cpu | undefined, part?: keyof Cpu) =>
            a === undefined || b === undefined || r.requests === 0
              ? Number.NaN
              : ((part === undefined ? b.user + b.sys - a.user - a.sys : b[part] - a[part]) * 1000) /
                r.requests;
          const s: Sample = {
            ...r,
            target: t.name,
            kind,
            clients,
            round,
            proxyCpuUs: per(p0, p1),
            proxySysUs: per(p0, p1, "sys"),
            upstreamCpuUs: per(u0, u1),
            load1: loadavg()[0]!,
          };
          samples.push(s);
          progress(
            `[${String(++n).padStart(2)}/${total}] ${kind} ${String(clients).padStart(2)} client(s) ${t.name.padEnd(18)} ` +
              `${f0((r.requests / r.elapsedMs) * 1000).padStart(7)} req/s  p50 ${f2(r.p50)} ms  proxy CPU ${f0(s.proxyCpuUs)} µs/req (sys ${f0(s.proxySysUs)})  ` +
              `load gen ${f0((r.clientCpuMs / r.elapsedMs) * 100)}% of a core  errors ${r.errors}  load ${s.load1.toFixed(2)}`,
          );
        }
      }
    }
    const usage = await usageCheck(ours.metrics);
    report(samples, targets, oursName, loadBefore, usage, idle);
  } finally {
    stopPush();
    await closeInProcess?.();
  }
}

/** serve's /metrics after the run: requests counted and output tokens read from the answers' usage. */
async function usageCheck(port: number): Promise<string> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const sum = (name: string) =>
      text
        .split("\n")
        .filter((l) => l.startsWith(name))
        .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    const requests = sum("inference_objective_request_total");
    const outputs = sum("inference_objective_output_tokens_count");
    const tokens = sum("inference_objective_output_tokens_sum");
    return `serve's /metrics after the run: ${f0(requests)} requests counted, usage read from ${f0(outputs)} answers (${f0(tokens)} output tokens)`;
  } catch (err) {
    return `serve's /metrics could not be read: ${String(err)}`;
  }
}

function report(
  samples: Sample[],
  targets: Target[],
  ours: string,
  loadBefore: string,
  usage: string,
  idle: ReadonlyMap<string, number>,
): void {
  const pick = (t: string, k: string, c: number) =>
    samples.filter((s) => s.target === t && s.kind === k && s.clients === c);
  const rps = (s: Sample) => (s.requests / s.elapsedMs) * 1000;
  const med = (t: string, k: string, c: number, f: (s: Sample) => number) => median(pick(t, k, c).map(f));
  console.log(
    `\n## Front-door cost (npm run bench:proxy -- --ms ${MS} --rounds ${ROUNDS}${IN_PROCESS ? " --in-process" : ""})\n`,
  );
  console.log(
    `node ${process.version}, nginx worker_processes 1, load generator ${WRK === undefined ? "node:http client" : "wrk -t1"}, ` +
      `${MS} ms per row, ${ROUNDS === 1 ? "one round" : `median of ${ROUNDS} interleaved rounds`}; load average ${loadBefore} before, ${load()} after\n`,
  );
  console.log(
    "| front | answer | clients | req/s | p50 ms | p99 ms | errors | proxy CPU µs/req | of which kernel | upstream CPU µs/req | load gen % of a core |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  let busiestClient = 0;
  for (const k of KINDS)
    for (const c of [32, 1])
      for (const t of targets) {
        const ss = pick(t.name, k, c);
        if (ss.length === 0) continue;
        const clientPct = median(ss.map((s) => (s.clientCpuMs / s.elapsedMs) * 100));
        busiestClient = Math.max(busiestClient, clientPct);
        console.log(
          `| ${t.name} | ${k} | ${c} | ${f0(med(t.name, k, c, rps))} | ${f2(med(t.name, k, c, (s) => s.p50))} | ${f2(med(t.name, k, c, (s) => s.p99))} | ` +
            `${ss.reduce((a, s) => a + s.errors, 0)} | ${t.cpu ? f0(med(t.name, k, c, (s) => s.proxyCpuUs)) : "-"} | ${t.cpu ? f0(med(t.name, k, c, (s) => s.proxySysUs)) : "-"} | ${f0(med(t.name, k, c, (s) => s.upstreamCpuUs))} | ${f0(clientPct)} |`,
        );
      }

  console.log("\n32 clients:\n");
  console.log("| front | JSON req/s | JSON CPU/req | SSE req/s | SSE CPU/req | idle CPU ms/s |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const t of targets.filter((x) => x.cpu !== undefined)) {
    const cell = (k: string) =>
      (KINDS as readonly string[]).includes(k)
        ? `${f0(med(t.name, k, 32, rps))} | ${f0(med(t.name, k, 32, (s) => s.proxyCpuUs))} µs`
        : "- | -";
    console.log(`| ${t.name} | ${cell("json")} | ${cell("sse")} | ${f1(idle.get(t.name) ?? Number.NaN)} |`);
  }

  // Ratios per round (same round = same machine state), then their median.
  const ratio = (k: string, c: number, other: string, f: (s: Sample) => number) => {
    const per: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const a = samples.find((s) => s.target === ours && s.kind === k && s.clients === c && s.round === r);
      const b = samples.find((s) => s.target === other && s.kind === k && s.clients === c && s.round === r);
      if (a && b) per.push(f(a) / f(b));
    }
    return { value: median(per), per };
  };
  const verdict = (ok: boolean) => (ok ? "MET" : "MISSED");
  const line = (
    what: string,
    r: { value: number; per: number[] },
    ok: (v: number) => boolean,
    target: string,
  ) => {
    if (!Number.isFinite(r.value)) return console.log(`- ${what}: NOT MEASURED`);
    const rounds = r.per.length > 1 ? ` (rounds: ${r.per.map(f2).join(", ")})` : "";
    const judged = target === "" ? "" : `, target ${target}: ${verdict(ok(r.value))}`;
    console.log(`- ${what}: ${f2(r.value)}x${rounds}${judged}`);
  };
  console.log("\nRatios (same round, then median) and issue #24's targets:\n");
  const bareName = "bare node:http";
  line(
    `throughput ${ours}/bare, JSON, 32 clients`,
    ratio("json", 32, bareName, rps),
    (v) => v >= 0.9,
    ">= 0.9x",
  );
  line(
    `throughput ${ours}/bare, SSE, 32 clients`,
    ratio("sse", 32, bareName, rps),
    (v) => v >= 0.9,
    ">= 0.9x",
  );
  line(
    `CPU per JSON request ${ours}/bare, 32 clients`,
    ratio("json", 32, bareName, (s) => s.proxyCpuUs),
    (v) => v <= 1.2,
    "<= 1.2x",
  );
  line(
    `CPU per SSE request ${ours}/bare, 32 clients`,
    ratio("sse", 32, bareName, (s) => s.proxyCpuUs),
    () => true,
    "",
  );
  line(
    `throughput ${ours}/nginx, JSON, 32 clients`,
    ratio("json", 32, "nginx", rps),
    (v) => v >= 0.6,
    ">= 0.6x",
  );
  line(
    `throughput ${ours}/nginx, SSE, 32 clients`,
    ratio("sse", 32, "nginx", rps),
    (v) => v >= 0.7,
    ">= 0.7x",
  );
  const bareNginx = (k: string) => {
    const v = median(pick(bareName, k, 32).map(rps)) / median(pick("nginx", k, 32).map(rps));
    return f2(v);
  };
  console.log(
    `- for reference, bare/nginx at 32 clients: JSON ${bareNginx("json")}x, SSE ${bareNginx("sse")}x (the Node floor)`,
  );
  for (const k of KINDS) {
    const added = (t: string) => {
      const per: number[] = [];
      for (let r = 1; r <= ROUNDS; r++) {
        const a = samples.find((s) => s.target === t && s.kind === k && s.clients === 1 && s.round === r);
        const d = samples.find(
          (s) => s.target === "direct" && s.kind === k && s.clients === 1 && s.round === r,
        );
        if (a && d) per.push(a.p50 - d.p50);
      }
      return median(per);
    };
    const ourAdded = added(ours);
    const others = targets
      .filter((t) => t.cpu !== undefined && t.name !== ours)
      .map((t) => `${t.name} ${f2(added(t.name))} ms`)
      .join(", ");
    const target = k === "json" ? `, target <= 0.2 ms: ${verdict(ourAdded <= 0.2)}` : "";
    console.log(`- added p50 over direct, ${k}, 1 client: ${ours} ${f2(ourAdded)} ms${target} (${others})`);
  }
  console.log(`- ${usage}`);
  const idleOurs = idle.get(ours);
  const jsonRate = median(pick(ours, "json", 32).map(rps));
  if (idleOurs !== undefined && Number.isFinite(jsonRate))
    console.log(
      `- ${ours} idles at ${f1(idleOurs)} ms of CPU per second (one replica pushing its state every 100 ms, timers): ` +
        `${f0((idleOurs * 1000) / jsonRate)} µs of each JSON request's CPU at the 32-client rate, less as the rate grows`,
    );
  console.log(
    busiestClient > 85
      ? `- WARNING: the load generator used up to ${f0(busiestClient)}% of a core in a row: it may be what limits that row.`
      : `- the load generator used at most ${f0(busiestClient)}% of a core in any row (not the bottleneck).`,
  );
}

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  process.stderr.write(`bench:proxy failed: ${err instanceof Error ? err.stack : String(err)}\n`);
} finally {
  // Stop what this bench started, by PID (serve drains on SIGTERM and writes its --cpu-prof profile).
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => {
            c.kill("SIGKILL");
            resolve();
          }, 15_000);
          c.once("exit", () => {
            clearTimeout(t);
            resolve();
          });
          c.kill("SIGTERM");
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
