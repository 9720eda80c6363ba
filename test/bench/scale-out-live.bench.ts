/**
 * Live scale-out run (issue 22): 3 `serve` replicas behind nginx round-robin, one simulator pool pushing
 * to all three (address list), on loopback. Runs the same seeded stream (a) through one router, (b)
 * through 3 routers that do not share, (c) through 3 routers with --peers, and in (c) kills one router
 * (SIGKILL) half way: every request that was not in flight on it must succeed (nginx retries a refused
 * connection on the next router).
 *
 *   node --import tsx test/bench/scale-out-live.bench.ts
 *
 * Environment: SCALE_LIVE_QPS (model-time req/s, default 12), SCALE_LIVE_DURATION_S (model time, 30),
 * SCALE_LIVE_REPLICAS (sim replicas, 4), SCALE_LIVE_TIME_SCALE (2), SCALE_LIVE_WORKLOAD (shared-prefix).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helpOrRun } from "./bench-help.js";
import { LIVE_POOL, writeConfigDir } from "./quality/live/live-config.js";
import { freePort, stop, stopAllOnSignal, waitForHttp } from "./quality/live/processes.js";
import { strategiesNamed } from "./quality/strategies.js";
import { quantile } from "./quality/summary.js";
import { workloads } from "./quality/workloads/index.js";
import { generateStream } from "./quality/workloads/stream.js";
import { BASE_MODEL } from "./quality/workloads/workload.js";

helpOrRun(
  "node --import tsx test/bench/scale-out-live.bench.ts\n  3 serve replicas behind nginx sharing one sim pool; one killed mid-run.\n" +
    "  Env: SCALE_LIVE_QPS, SCALE_LIVE_DURATION_S, SCALE_LIVE_REPLICAS, SCALE_LIVE_TIME_SCALE, SCALE_LIVE_WORKLOAD.",
);

const qps = Number(process.env.SCALE_LIVE_QPS ?? 12);
const durationS = Number(process.env.SCALE_LIVE_DURATION_S ?? 30);
const simReplicas = Number(process.env.SCALE_LIVE_REPLICAS ?? 4);
const timeScale = Number(process.env.SCALE_LIVE_TIME_SCALE ?? 2);
const workloadName = process.env.SCALE_LIVE_WORKLOAD ?? "shared-prefix";
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

async function run(routers: number, peers: boolean, kill: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "scale-live-"));
  const basePort = await freePort();
  const simPorts = Array.from({ length: simReplicas }, (_, i) => basePort + i);
  await writeConfigDir(dir, strategiesNamed(["ours"])[0]!.config, simPorts);
  const ports = await Promise.all(
    Array.from({ length: routers }, async () => ({
      api: await freePort(),
      http: await freePort(),
      extproc: await freePort(),
      health: await freePort(),
      metrics: await freePort(),
    })),
  );
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
  };
}

stopAllOnSignal();
// The processes this run started (stopAllOnSignal knows only processes.ts' own).
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    process.exit(130);
  });
if (process.env.SCALE_LIVE_AB) {
  // A/B only: 3 routers without and with sharing, interleaved SCALE_LIVE_AB times (noise check).
  for (let i = 0; i < Number(process.env.SCALE_LIVE_AB); i++) {
    const own = await run(3, false, false);
    const shared = await run(3, true, false);
    console.log(
      `A/B ${i + 1}: own only p90 ${(own.p90 / 1000).toFixed(2)} s, sharing p90 ${(shared.p90 / 1000).toFixed(2)} s`,
    );
  }
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  process.exit(0);
}
const rows = [
  { name: "1 router", r: await run(1, false, false) },
  { name: "3 routers, own in-flight only", r: await run(3, false, false) },
  { name: "3 routers, peer sharing", r: await run(3, true, false) },
  { name: "3 routers, peer sharing, one killed half way", r: await run(3, true, true) },
];
console.log(
  `\n## Live: ${workloadName}, ${qps} req/s (model time), ${durationS} s, ${simReplicas} llama2-7b-h100 sim replicas at time scale ${timeScale}, nginx round-robin front\n`,
);
console.log(
  "| setup | requests | errors | errors not in flight on the killed router | p90 e2e (s, model time) |",
);
console.log("|---|---:|---:|---:|---:|");
for (const { name, r } of rows)
  console.log(
    `| ${name} | ${r.requests} | ${r.errors} | ${r.errorsNotOnKilled} | ${(r.p90 / 1000).toFixed(2)} |`,
  );
const k = rows[3]!.r;
console.log(
  `\nKilled run: ${k.inFlightOnKilled} requests in flight on the killed router; ${k.afterKillServed} sent after the kill, all served by the other two. Target (zero errors for requests not in flight on it): ${k.errorsNotOnKilled === 0 ? "MET" : "MISSED"}`,
);
for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
