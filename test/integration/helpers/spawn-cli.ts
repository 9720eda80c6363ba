/**
 * Starts `inference-router <command>` as a child process (through its real bin) and reads the JSON
 * log lines it prints, so tests learn the actual ports of listeners started on port 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const bin = fileURLToPath(new URL("../../../runtimes/node/bin.js", import.meta.url));

export interface CliProcess {
  proc: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** Port of the listener that logged {msg: "listening", service}. */
  port(service: string): number;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Every listener on port 0, on loopback, unless the caller says otherwise. */
export const loopbackPorts = [
  "--host",
  "127.0.0.1",
  "--api-port",
  "0",
  "--http-port",
  "0",
  "--extproc-port",
  "0",
  "--health-port",
  "0",
  "--metrics-port",
  "0",
];

export async function startCli(
  args: string[],
  opts: { waitFor?: string[]; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<CliProcess> {
  // nodeArgs: Node options that NODE_OPTIONS refuses (--cpu-prof, --trace-gc, V8 flags), for benchmarks.
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), bin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let err = "";
  let buf = "";
  const waiters: (() => void)[] = [];
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
      for (const w of waiters) w();
      nl = buf.indexOf("\n");
    }
  });
  proc.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const listening = (s: string) => logs.some((l) => l.msg === "listening" && l.service === s);
  const port = (service: string) => {
    const line = logs.find((l) => l.msg === "listening" && l.service === service);
    if (!line) throw new Error(`no listener "${service}" logged`);
    return line.port as number;
  };
  const want = opts.waitFor ?? [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${want.join(",")}; stderr: ${err}`)),
      20_000,
    );
    const check = () => {
      if (want.every(listening)) {
        clearTimeout(timer);
        resolve();
      }
    };
    waiters.push(check);
    exited.then((code) => {
      if (!want.every(listening)) {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before listening; stderr: ${err}`));
      }
    });
    check();
  });
  return {
    proc,
    logs,
    stderr: () => err,
    port,
    exited,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
