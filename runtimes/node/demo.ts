/**
 * `inference-router demo` (what `npm start` runs): the router in this process with the bundled
 * config (runtimes/node/examples/demo), a simulated pool of vLLM-like replicas as a child `sim` process pushing
 * its state to it, and the curl commands to try, printed once the pool is up. Ctrl-C stops both.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./config-loader.js";
import { demoBanner } from "./demo-banner.js";
import { type FlagSpec, type FlagValues, formatHelp, parseFlags, UsageError } from "./flags.js";
import { type LogLevel, setLogLevel } from "./log.js";
import { type RunningServer, startServe } from "./serve.js";
import { serveFlags } from "./serve-flags.js";

const bin = fileURLToPath(new URL("./bin.js", import.meta.url));
const demoConfig = fileURLToPath(new URL("./examples/demo", import.meta.url));
const POOL = "demo-pool";

const demoFlags: readonly FlagSpec[] = [
  ...serveFlags.map((f) =>
    f.name === "host"
      ? { ...f, default: "127.0.0.1" }
      : f.name === "log-level"
        ? { ...f, default: "warn" }
        : f,
  ),
  { name: "replicas", type: "int", default: "4", help: "Simulated model servers (demo preset)" },
  {
    name: "sim-base-port",
    type: "port",
    default: "8001",
    help: "Replica i listens on this + i; 0 = free ports",
  },
];

function fail(message: string): never {
  process.stderr.write(`inference-router demo: ${message}\n`);
  process.exit(1);
}

/** A start-up failure of the demo the operator fixes with a flag: exit 2, as `serve` does. */
class DemoUsageError extends Error {}

/**
 * Why the simulator stopped before it was ready, from the log lines it printed (its errors go to
 * stdout as JSON lines, which the demo reads and does not show): a busy replica port names
 * `--sim-base-port`.
 */
export function simFailure(lines: readonly string[], code: number | null, basePort: number): Error {
  const errors = lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      return entry.level === "error" ? [entry.error ?? entry.msg ?? line] : [];
    } catch {
      return line.trim() === "" ? [] : [line];
    }
  });
  const busy = errors.join("\n").match(/(EADDRINUSE|EACCES)[^\n]*:(\d+)\b/);
  if (busy !== null) {
    const reason = busy[1] === "EADDRINUSE" ? "address in use" : "permission denied";
    return new DemoUsageError(
      `--sim-base-port ${basePort}: replica port ${busy[2]}: ${reason} (${busy[1]}); choose another port or 0`,
    );
  }
  const said = errors.length > 0 ? `: ${errors.slice(-5).join("; ")}` : " (it printed no error)";
  return new Error(`the simulator exited with ${code}${said}`);
}

/** Starts `sim` and resolves when it says it is ready. */
function startSim(flags: FlagValues, apiPort: number): Promise<ChildProcess> {
  const host = flags.host as string;
  const apiHost = host === "0.0.0.0" ? "127.0.0.1" : host;
  const args = [bin, "sim", "--replicas", String(flags.replicas), "--preset", "demo"];
  args.push("--host", host === "0.0.0.0" ? "127.0.0.1" : host, "--base-port", String(flags["sim-base-port"]));
  args.push(
    "--push",
    `http://${apiHost}:${apiPort}`,
    "--pool",
    POOL,
    "--models",
    "demo-model-v1,demo-model-v2",
  );
  // Its own process group: Ctrl-C reaches the demo only, which then stops the simulator in order.
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], detached: true });
  return new Promise((resolve, reject) => {
    let buf = "";
    let ready = false;
    // The last lines before readiness: the simulator's own error when it fails to start.
    const recent: string[] = [];
    child.stdout!.on("data", (d: Buffer) => {
      if (ready) return;
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      if (buf.length > 1 << 16) buf = buf.slice(-4096);
      for (const line of lines) {
        if (line.includes('"sim ready"')) {
          ready = true;
          resolve(child);
          return;
        }
        recent.push(line);
        if (recent.length > 20) recent.shift();
      }
    });
    child.once("exit", (code) => {
      if (buf !== "") recent.push(buf);
      reject(simFailure(recent, code, flags["sim-base-port"] as number));
    });
  });
}

async function waitForPool(server: RunningServer, replicas: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pool = server.store.pool(POOL);
    const fresh = pool?.endpoints.filter((e) => e.ready && !server.store.isStale(e)).length ?? 0;
    if (fresh >= replicas) return;
    if (Date.now() > deadline) throw new Error(`only ${fresh} of ${replicas} replicas pushed their state`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CLI entry. */
export async function demoMain(argv: string[]): Promise<void> {
  let flags: FlagValues;
  try {
    const parsed = parseFlags(demoFlags, argv, process.env);
    if (parsed.help) {
      process.stdout.write(
        formatHelp("inference-router demo [options]", "Router + simulated pool.", demoFlags),
      );
      return;
    }
    flags = parsed.values;
    // Only the demo's own defaults: ports left unset come from the bundled config (runtimes/node/examples/demo).
    flags.host ??= "127.0.0.1";
    flags["log-level"] ??= "warn";
    flags.replicas ??= 4;
    flags["sim-base-port"] ??= 8001;
    flags.config ??= demoConfig;
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}\nRun with --help for the options.`);
    throw err;
  }
  setLogLevel(flags["log-level"] as LogLevel);
  const server = await startServe(flags).catch((err: unknown) => {
    // A busy port or a bad config is the operator's to fix: its message alone, exit 2 (as `serve`).
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`inference-router demo: ${err.message}\n`);
      process.exit(2);
    }
    return fail(String(err));
  });
  let sim: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (sim && sim.exitCode === null) {
      const exited = new Promise((r) => sim!.once("exit", r));
      sim.kill("SIGTERM");
      await exited;
    }
    await server.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  try {
    sim = await startSim(flags, server.ports.api!);
    sim.once("exit", () => void stop(stopping ? 0 : 1));
    await waitForPool(server, flags.replicas as number);
  } catch (err) {
    process.stderr.write(`inference-router demo: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop(err instanceof DemoUsageError ? 2 : 1);
    return;
  }
  const host = flags.host === "0.0.0.0" ? "127.0.0.1" : (flags.host as string);
  const pool = server.store.pool(POOL)!;
  process.stdout.write(
    demoBanner({
      host,
      httpPort: server.ports.http!,
      apiPort: server.ports.api!,
      pool: POOL,
      replicas: pool.endpoints.map((e) => e.address),
    }),
  );
}
