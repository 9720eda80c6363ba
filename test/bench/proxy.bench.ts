/**
 * Proxy overhead on loopback (not a test): requests/s and p50/p99 latency of the same fast upstream
 * reached (a) directly, (b) through nginx as a plain reverse proxy (skipped if nginx is not installed)
 * (c) through a bare node:http pass-through proxy (the Node ceiling, for reference) and (d) through our
 * HTTP router (`serve`), for JSON and SSE answers; then ratios and added latency.
 * Every process is separate (upstream, nginx, router, this load generator) and they share the cores.
 * CPU per request of the proxy (nginx: master and worker) and of the upstream is read from /proc
 * (Linux; "-" elsewhere): the figure that the load generator sharing the cores skews least.
 *
 * Run: node --import tsx test/bench/proxy.bench.ts   (BENCH_MS=<ms per run>, default 3000)
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { helpOrRun } from "./bench-help.js";
import { quantile, runLoad } from "./proxy-load.js";

helpOrRun(`npm run bench:proxy

Proxy overhead on loopback: req/s, p50/p99 and CPU per request of one fast upstream reached directly,
through nginx (when installed), through a bare node:http proxy and through \`inference-router serve\`,
for JSON and SSE answers at 1 and 32 clients; then the ratios. Run \`npm run build\` first, or \`serve\`
runs from the TypeScript sources through tsx and the figures measure that.

  env BENCH_MS   milliseconds per run (default 3000)
  --help`);

const root = fileURLToPath(new URL("../../", import.meta.url));
const MS = Number(process.env.BENCH_MS ?? 3000);
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), "proxy-bench-"));

/** Spawns a process and resolves with the first stdout line matching `ready` (its match groups, and `pid`). */
function start(cmd: string, args: string[], ready: RegExp, stream: "stdout" | "stderr" = "stdout") {
  const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise<RegExpExecArray & { pid: number }>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${text}`)), 15_000);
    child[stream]!.on("data", (d: Buffer) => {
      text += d.toString();
      const m = ready.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Object.assign(m, { pid: child.pid! }));
      }
    });
    child.once("exit", (code) => reject(new Error(`${cmd} exited with ${code}: ${text}`)));
  });
}

function nginxPath(): string | undefined {
  for (const p of ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]) {
    try {
      execFileSync(p, ["-v"], { stdio: "ignore" });
      return p;
    } catch {}
  }
  return undefined;
}

/** CPU time (user + system, ms) of processes and their children so far, from /proc; undefined off Linux. */
let ticksPerSecond: number | undefined;
function cpuMs(pids: readonly number[]): number | undefined {
  try {
    ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    let ticks = 0;
    const all = new Set(pids);
    for (const pid of pids) {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      for (const k of kids.split(/\s+/).filter(Boolean)) all.add(Number(k));
    }
    for (const pid of all) {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return (ticks * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

async function startNginx(bin: string, upstream: number): Promise<{ port: number; pid: number }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const conf = `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream pool { server 127.0.0.1:${upstream}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://pool; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; client_max_body_size 32m;
    }
  }
}\n`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const child = spawn(bin, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: "ignore" });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" });
      await res.arrayBuffer();
      return { port, pid: child.pid! };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nginx did not start (see ${dir}/error.log)`);
}

async function startRouter(upstream: number): Promise<{ port: number; pid: number }> {
  const config = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: bench}
spec: {selector: {matchLabels: {app: bench}}, targetPorts: [{number: ${upstream}}]}
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {state: {stalenessMs: 3600000, expiryMs: 3600000}}
`;
  writeFileSync(join(dir, "router.yaml"), config);
  const node = process.execPath;
  const bin = join(root, "runtimes/node/bin.js");
  const ports = ["--http-port", "0", "--api-port", "0", "--extproc-port", "0", "--health-port", "0"];
  const args = [bin, "serve", "--config", join(dir, "router.yaml"), "--host", "127.0.0.1", ...ports];
  const ready = /"service":"api","port":(\d+)[\s\S]*"service":"http","port":(\d+)/;
  const started = await start(node, [...args, "--metrics-port", "0"], ready);
  const [, api, http] = started;
  const push = await fetch(`http://127.0.0.1:${api}/inferencerouter.v1.PoolStateService/PushSnapshot`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      pool: "bench",
      source: "bench",
      sequence: "1",
      observedAt: new Date().toISOString(),
      endpoints: [
        { address: `127.0.0.1:${upstream}`, ready: true, metrics: { blockSize: 16, numBlocks: 1000 } },
      ],
    }),
  });
  if (!push.ok) throw new Error(`push refused: ${await push.text()}`);
  return { port: Number(http), pid: started.pid };
}

const messages = [{ role: "user", content: "Say hello to the benchmark." }];
const json = JSON.stringify({ model: "bench-model", messages, max_tokens: 16 });
const sse = JSON.stringify({ model: "bench-model", messages, max_tokens: 16, stream: true });
const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");

interface Row {
  target: string;
  kind: string;
  c: number;
  rps: number;
  p50: number;
  p99: number;
  ttfb50: number;
  errors: number;
  /** CPU µs per request of the proxy process(es), and of the upstream. */
  proxyCpu: number;
  upstreamCpu: number;
}

async function measure(
  target: string,
  port: number,
  proxyPids: number[],
  upstreamPid: number,
): Promise<Row[]> {
  const path = "/v1/chat/completions";
  await runLoad({ port, path, body: json, concurrency: 8, maxRequests: 500, maxMs: 2000 }); // warm-up
  const rows: Row[] = [];
  for (const [kind, body] of [
    ["json", json],
    ["sse", sse],
  ] as const) {
    for (const c of [1, 32]) {
      const p0 = proxyPids.length > 0 ? cpuMs(proxyPids) : undefined;
      const u0 = cpuMs([upstreamPid]);
      const r = await runLoad({ port, path, body, concurrency: c, maxRequests: 200_000, maxMs: MS });
      const p1 = proxyPids.length > 0 ? cpuMs(proxyPids) : undefined;
      const u1 = cpuMs([upstreamPid]);
      const perRequest = (a: number | undefined, b: number | undefined) =>
        a === undefined || b === undefined || r.count === 0 ? Number.NaN : ((b - a) * 1000) / r.count;
      rows.push({
        target,
        kind,
        c,
        rps: (r.count / r.elapsedMs) * 1000,
        p50: quantile(r.latencies, 0.5),
        p99: quantile(r.latencies, 0.99),
        ttfb50: quantile(r.firstByte, 0.5),
        errors: r.errors,
        proxyCpu: perRequest(p0, p1),
        upstreamCpu: perRequest(u0, u1),
      });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const up = await start(
    process.execPath,
    ["--import", "tsx", "test/bench/proxy-upstream.ts"],
    /listening (\d+)/,
  );
  const upstream = Number(up[1]);
  const targets: [string, number, number[]][] = [["direct", upstream, []]];
  const nginx = nginxPath();
  if (nginx === undefined)
    console.log("nginx is not installed: skipping it (apt-get install -y nginx to compare).");
  else {
    const n = await startNginx(nginx, upstream);
    targets.push(["nginx", n.port, [n.pid]]);
  }
  const bare = await start(
    process.execPath,
    ["--import", "tsx", "test/bench/proxy-bare-node.ts", String(upstream)],
    /listening (\d+)/,
  );
  targets.push(["bare node:http proxy", Number(bare[1]), [bare.pid]]);
  const router = await startRouter(upstream);
  targets.push(["inference-router", router.port, [router.pid]]);
  const rows: Row[] = [];
  for (const [name, port, pids] of targets) rows.push(...(await measure(name, port, pids, up.pid)));

  console.log(
    `\nProxy overhead on loopback (${MS} ms per run; node ${process.version}; nginx worker_processes 1)\n`,
  );
  console.log(
    "| target | answer | clients | req/s | p50 ms | p99 ms | first byte p50 ms | errors | proxy CPU µs/req | upstream CPU µs/req |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  const us = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");
  for (const r of rows)
    console.log(
      `| ${r.target} | ${r.kind} | ${r.c} | ${r.rps.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.ttfb50)} | ${r.errors} | ${us(r.proxyCpu)} | ${us(r.upstreamCpu)} |`,
    );
  const get = (t: string, k: string, c: number) =>
    rows.find((r) => r.target === t && r.kind === k && r.c === c);
  console.log("");
  for (const [k, c] of [
    ["json", 32],
    ["sse", 32],
  ] as const) {
    const ours = get("inference-router", k, c)!;
    const ng = get("nginx", k, c);
    if (ng) console.log(`- throughput ours/nginx (${k}, ${c} clients): ${(ours.rps / ng.rps).toFixed(2)}`);
    const bareNode = get("bare node:http proxy", k, c);
    if (ng && bareNode) {
      console.log(
        `- throughput bare node:http proxy/nginx (${k}, ${c} clients): ${(bareNode.rps / ng.rps).toFixed(2)}`,
      );
    }
  }
  const d1 = get("direct", "json", 1)!;
  for (const t of ["nginx", "inference-router"]) {
    const r = get(t, "json", 1);
    const s = get(t, "sse", 1);
    const ds = get("direct", "sse", 1)!;
    if (!r || !s) continue;
    console.log(`- ${t}: added p50 latency over direct (json, 1 client): ${f(r.p50 - d1.p50)} ms`);
    console.log(`- ${t}: SSE first-token delay added (p50, 1 client): ${f(s.ttfb50 - ds.ttfb50)} ms`);
  }
}

try {
  await main();
} finally {
  for (const c of children) c.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
