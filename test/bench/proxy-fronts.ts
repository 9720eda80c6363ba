/**
 * The fronts bench:proxy measures, started as processes of their own (each in its own process group,
 * so its CPU is read from /proc as one figure): nginx, `serve` from a bin.js, or `serve` inside the
 * bench process for profiling. Every process started here is listed in `children` for the runner to
 * stop by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ticksPerSecond } from "./proxy-wrk.js";

/** The repository root (processes start there). */
export const root = fileURLToPath(new URL("../../", import.meta.url));

/** Every process started, for the runner to stop by PID. */
export const children: ChildProcess[] = [];

/** CPU time so far, ms: user and system. */
export interface Cpu {
  user: number;
  sys: number;
}

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
export function start(
  cmd: string,
  argv: string[],
  ready: RegExp,
): Promise<RegExpExecArray & { pid: number }> {
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

/** CPU (user and system, with reaped children) of every process in process group `pgid`, from /proc. */
export function groupCpu(pgid: number): Cpu {
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

export function thisProcessCpu(): Cpu {
  const c = process.cpuUsage();
  return { user: c.user / 1000, sys: c.system / 1000 };
}

/** Resolves once POST /v1/chat/completions with `body` answers 200 on `port`. */
export async function waitFor200(port: number, body: string): Promise<void> {
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

/** nginx (1 worker, plain proxy_pass, keep-alive both ways) in `dir`; undefined when not installed. */
export async function startNginx(
  dir: string,
  upstream: number,
  body: string,
  progress: (line: string) => void,
): Promise<{ port: number; pgid: number } | undefined> {
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
  await waitFor200(port, body);
  return { port, pgid: child.pid! };
}

/** A bare proxy (proxy-bare-node.ts or proxy-bare-undici.ts) in front of `upstream`. */
export async function startBare(
  file: string,
  upstream: number,
  nodeArgs: readonly string[],
): Promise<{ port: number; pgid: number }> {
  const m = await start(
    process.execPath,
    [...nodeArgs, "--import", "tsx", `test/bench/${file}`, String(upstream)],
    /listening (\d+)/,
  );
  return { port: Number(m[1]), pgid: m.pid };
}

let configDirs = 0;
/** A config directory as a user writes one: one pool; limits, profile and metrics take their defaults. */
function writeConfigDir(dir: string, upstream: number): string {
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

/** Ports of a running `serve`. */
export interface ServePorts {
  http: number;
  api: number;
  metrics: number;
}

/** `serve` as a user runs it: bin.js (the bundle when current), a config directory, every port 0. */
export async function startServeProcess(
  dir: string,
  upstream: number,
  nodeArgs: readonly string[],
  bin = join(root, "runtimes/node/bin.js"),
): Promise<ServePorts & { pgid: number }> {
  const configDir = writeConfigDir(dir, upstream);
  const ports = ["http", "api", "extproc", "health", "metrics"].flatMap((p) => [`--${p}-port`, "0"]);
  const ready =
    /"service":"api","port":(\d+)[\s\S]*"service":"metrics","port":(\d+)[\s\S]*"service":"http","port":(\d+)[\s\S]*"msg":"scheduler"/;
  const m = await start(
    process.execPath,
    [...nodeArgs, bin, "serve", "--config", configDir, "--host", "127.0.0.1", ...ports],
    ready,
  );
  return { api: Number(m[1]), metrics: Number(m[2]), http: Number(m[3]), pgid: m.pid };
}

/** The same, in this process (for profiling it); its CPU is this process's. */
export async function startServeInProcess(
  dir: string,
  upstream: number,
): Promise<ServePorts & { close: () => Promise<void> }> {
  const { parseFlags } = await import("../../runtimes/node/flags.js");
  const { serveFlags } = await import("../../runtimes/node/serve-flags.js");
  const { startServe } = await import("../../runtimes/node/serve.js");
  const { setLogLevel } = await import("../../runtimes/node/log.js");
  setLogLevel("warn");
  const argv = ["--config", writeConfigDir(dir, upstream), "--host", "127.0.0.1"];
  for (const p of ["http-port", "api-port", "extproc-port", "health-port", "metrics-port"])
    argv.push(`--${p}`, "0");
  const s = await startServe(parseFlags(serveFlags, argv, {}, true).values);
  return { http: s.ports.http!, api: s.ports.api!, metrics: s.ports.metrics!, close: () => s.close() };
}

/** Stops every process started here (SIGTERM, then SIGKILL after 15 s); serve writes its --cpu-prof then. */
export function stopChildren(): Promise<void> {
  return Promise.all(
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
  ).then(() => undefined);
}
