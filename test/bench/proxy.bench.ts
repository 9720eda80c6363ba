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

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type Cpu,
  groupCpu,
  type ServePorts,
  start,
  startBare,
  startNginx,
  startServeInProcess,
  startServeProcess,
  stopChildren,
  thisProcessCpu,
  waitFor200,
} from "./proxy-fronts.js";
import { pushIdleReplica } from "./proxy-push.js";
import { BASELINE, f0, f1, f2, report, type Sample, usageCheck } from "./proxy-report.js";
import { type LoadRun, type LoadSpec, runNodeClient, runWrk, writeWrkScript, wrkPath } from "./proxy-wrk.js";

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
  --only-serve        skip nginx and the bare node:http proxy (serve, --baseline, --bare-undici and the
                      upstream reached directly remain): a shorter A/B on a busy machine
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
      "only-serve": { type: "boolean" },
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
const ONLY_SERVE = args["only-serve"] === true;
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

const dir = mkdtempSync(join(tmpdir(), "proxy-bench-"));
const progress = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

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
  if (!ONLY_SERVE) {
    const nginx = await startNginx(dir, upstream, json, progress);
    if (nginx) targets.push({ name: "nginx", port: nginx.port, cpu: () => groupCpu(nginx.pgid) });
    const bare = await startBare("proxy-bare-node.ts", upstream, BARE_NODE_ARGS);
    targets.push({ name: "bare node:http", port: bare.port, cpu: () => groupCpu(bare.pgid) });
  }
  if (args["bare-undici"]) {
    const bu = await startBare("proxy-bare-undici.ts", upstream, BARE_NODE_ARGS);
    targets.push({ name: "bare undici", port: bu.port, cpu: () => groupCpu(bu.pgid) });
  }
  const baselines: { api: number; name: string }[] = [];
  if (args.baseline !== undefined) {
    const b = await startServeProcess(dir, upstream, SERVE_NODE_ARGS, args.baseline);
    targets.push({ name: BASELINE, port: b.http, cpu: () => groupCpu(b.pgid) });
    baselines.push({ api: b.api, name: BASELINE });
  }
  let closeInProcess: (() => Promise<void>) | undefined;
  let ours: ServePorts;
  const oursName = IN_PROCESS ? "serve (in-process)" : "serve";
  if (IN_PROCESS) {
    const s = await startServeInProcess(dir, upstream);
    closeInProcess = s.close;
    ours = s;
    targets.push({ name: oursName, port: s.http, cpu: thisProcessCpu });
  } else {
    const s = await startServeProcess(dir, upstream, SERVE_NODE_ARGS);
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
    const run = {
      ms: MS,
      rounds: ROUNDS,
      inProcess: IN_PROCESS,
      kinds: KINDS,
      client: WRK === undefined ? "node:http client" : "wrk -t1",
      loadBefore,
      loadAfter: load,
    };
    const named = targets.map((t) => ({ name: t.name, measured: t.cpu !== undefined }));
    report(run, samples, named, oursName, usage, idle);
  } finally {
    stopPush();
    await closeInProcess?.();
  }
}

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  process.stderr.write(`bench:proxy failed: ${err instanceof Error ? err.stack : String(err)}\n`);
} finally {
  // Stop what this bench started, by PID (serve drains on SIGTERM and writes its --cpu-prof profile).
  await stopChildren();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
