/**
 * The proxy bench's load generator: wrk (C, epoll, one thread) driven by a Lua script that POSTs the
 * body and prints its summary as one JSON line; wrk runs under `sh` so that its own CPU time is read
 * from the shell's reaped-children counters (/proc/<sh>/stat cutime + cstime) once it has exited.
 * The node:http client (proxy-load.ts) remains as a fallback where wrk is not installed.
 */
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { quantile, runLoad } from "./proxy-load.js";

/** One closed-loop run. Latencies in ms. */
export interface LoadRun {
  requests: number;
  /** Non-2xx answers, connection errors, timeouts. */
  errors: number;
  elapsedMs: number;
  p50: number;
  p99: number;
  /** CPU ms of the load generator itself over the run (NaN if unknown). */
  clientCpuMs: number;
}

export interface LoadSpec {
  port: number;
  path: string;
  /** The request body file (JSON). */
  bodyFile: string;
  body: string;
  clients: number;
  ms: number;
}

const SCRIPT = `-- written by test/bench/proxy-wrk.ts
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"us":%d,"errors":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

export function wrkPath(): string | undefined {
  for (const p of ["/usr/bin/wrk", "/usr/local/bin/wrk"]) {
    try {
      execFileSync(p, ["-v"], { stdio: "ignore" });
      return p;
    } catch (err) {
      // wrk -v exits 1 after printing its version
      if ((err as { status?: number }).status === 1) return p;
    }
  }
  return undefined;
}

/** Writes the Lua script into dir; returns its path. */
export function writeWrkScript(dir: string): string {
  const path = join(dir, "post.lua");
  writeFileSync(path, SCRIPT);
  return path;
}

let clkTck: number | undefined;
export function ticksPerSecond(): number {
  clkTck ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return clkTck;
}

/** One wrk run: 1 thread, `clients` keep-alive connections, `ms` long. */
export function runWrk(wrk: string, script: string, s: LoadSpec): Promise<LoadRun> {
  const secs = Math.max(1, Math.round(s.ms / 1000));
  const args = ["-t1", `-c${s.clients}`, `-d${secs}s`, "--timeout", "10s", "-s", script];
  const url = `http://127.0.0.1:${s.port}${s.path}`;
  // The shell's own stat, read with a builtin after wrk was reaped: cutime + cstime are wrk's CPU.
  const sh = 'wrk="$1"; shift; "$wrk" "$@"; read -r l < /proc/$$/stat; echo "SHSTAT $l"';
  const child = spawn("sh", ["-c", sh, "sh", wrk, ...args, url], {
    env: { ...process.env, BENCH_BODY_FILE: s.bodyFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => child.kill("SIGKILL"), s.ms + 30_000);
    child.once("exit", () => {
      clearTimeout(guard);
      const m = /BENCH (\{.*\})/.exec(out);
      if (m === null) return reject(new Error(`wrk printed no summary: ${out} ${err}`));
      const r = JSON.parse(m[1]!) as {
        requests: number;
        us: number;
        errors: number;
        p50: number;
        p99: number;
      };
      const stat = /SHSTAT .*\) (.*)/.exec(out);
      let clientCpuMs = Number.NaN;
      if (stat !== null) {
        const f = stat[1]!.split(" ");
        clientCpuMs = ((Number(f[13]) + Number(f[14])) * 1000) / ticksPerSecond();
      }
      resolve({
        requests: r.requests - r.errors,
        errors: r.errors,
        elapsedMs: r.us / 1000,
        p50: r.p50 / 1000,
        p99: r.p99 / 1000,
        clientCpuMs,
      });
    });
  });
}

/** The same run on the node:http client in this process (its CPU from process.cpuUsage). */
export async function runNodeClient(s: LoadSpec): Promise<LoadRun> {
  const c0 = process.cpuUsage();
  const r = await runLoad({
    port: s.port,
    path: s.path,
    body: s.body,
    concurrency: s.clients,
    maxRequests: 1_000_000,
    maxMs: s.ms,
  });
  const c = process.cpuUsage(c0);
  return {
    requests: r.count,
    errors: r.errors,
    elapsedMs: r.elapsedMs,
    p50: quantile(r.latencies, 0.5),
    p99: quantile(r.latencies, 0.99),
    clientCpuMs: (c.user + c.system) / 1000,
  };
}
