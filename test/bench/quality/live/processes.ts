/**
 * The live run's processes: `inference-router serve` and `inference-router sim`, started from this
 * checkout's bin, each waited for until it answers, and stopped by their own pid (SIGTERM, then
 * SIGKILL after 3 s).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../../../runtimes/node/bin.js", import.meta.url));

/** A free TCP port on 127.0.0.1 (bound and released: fine on a quiet loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether 127.0.0.1:`port` can be bound now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * A base port such that base .. base + count - 1 are free now and none is in `taken` (which receives
 * them): for a sim process whose replica i listens on base + i.
 */
export async function freePortRange(count: number, taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    if (base + count > 65_535) continue;
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = !taken.has(base + i) && (i === 0 || (await canBind(base + i)));
    if (!ok) continue;
    for (let i = 0; i < count; i++) taken.add(base + i);
    return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Children still running, so an interrupted bench can stop them (see `stopAllOnSignal`). */
const running = new Set<ChildProcess>();

/** On SIGINT / SIGTERM: stop every child this module started, then exit. */
export function stopAllOnSignal(): void {
  const handler = () => {
    for (const c of running) c.kill("SIGTERM");
    process.exit(130);
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
}

/** Counts `child` among the children `stopAllOnSignal` stops (nginx, besides this module's own). */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
}

function start(args: string[], name: string): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let tail = "";
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`\n${name} exited with ${code}:\n${tail}\n`);
  });
  return child;
}

/** Polls `url` until it answers 2xx or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ports of one router. */
export interface RouterPorts {
  api: number;
  http: number;
  extproc: number;
  health: number;
  metrics: number;
}

/** Starts `serve` on loopback with the config dir; resolves once its metrics port answers. */
export async function startRouter(configDir: string, ports: RouterPorts): Promise<ChildProcess> {
  const child = start(
    [
      "serve",
      "--config",
      configDir,
      "--host",
      "127.0.0.1",
      "--api-port",
      String(ports.api),
      "--http-port",
      String(ports.http),
      "--extproc-port",
      String(ports.extproc),
      "--health-port",
      String(ports.health),
      "--metrics-port",
      String(ports.metrics),
      "--log-level",
      "warn",
    ],
    "router",
  );
  try {
    await waitForHttp(`http://127.0.0.1:${ports.metrics}/healthz`, 60_000);
  } catch (err) {
    await stop(child);
    throw err;
  }
  return child;
}

/** Starts `sim` pushing to the router; resolves once every replica answers /health. */
export async function startSim(o: {
  replicas: number;
  basePort: number;
  /** The router's API port to push to; none = no pushes (nginx does not read them). */
  apiPort?: number;
  pool: string;
  model: string;
  seed: number;
  /** Wall ms per simulated ms. */
  timeScale: number;
  /** Engine preset (default llama2-7b-h100). */
  preset?: string;
  /** KV blocks per replica instead of the preset's (a KV-bound engine). */
  numBlocks?: number;
  /** Push period, wall ms (default: the sim's). */
  pushIntervalMs?: number;
}): Promise<ChildProcess> {
  const child = start(
    [
      "sim",
      "--replicas",
      String(o.replicas),
      "--preset",
      o.preset ?? "llama2-7b-h100",
      ...(o.numBlocks !== undefined ? ["--num-blocks", String(o.numBlocks)] : []),
      ...(o.pushIntervalMs !== undefined ? ["--interval", `${Math.round(o.pushIntervalMs)}ms`] : []),
      "--host",
      "127.0.0.1",
      "--base-port",
      String(o.basePort),
      ...(o.apiPort !== undefined ? ["--push", `http://127.0.0.1:${o.apiPort}`, "--pool", o.pool] : []),
      "--models",
      o.model,
      "--seed",
      String(o.seed),
      "--time-scale",
      String(o.timeScale),
      "--max-tokens-cap",
      "4096",
      "--log-level",
      "warn",
    ],
    "sim",
  );
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`sim exited with ${code} before answering`))),
  );
  exited.catch(() => undefined);
  try {
    // Generous: under tsx (sources newer than the bundle) on a busy machine a start takes seconds.
    const ready = (async () => {
      for (let i = 0; i < o.replicas; i++) {
        await waitForHttp(`http://127.0.0.1:${o.basePort + i}/health`, 60_000);
      }
    })();
    await Promise.race([ready, exited]);
  } catch (err) {
    await stop(child);
    throw err;
  }
  return child;
}

/** Stops a child by its pid: SIGTERM, SIGKILL after 3 s. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}
