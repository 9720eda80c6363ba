/**
 * What `serve` spends with no requests while a replica pushes its state every 100 ms (not a test):
 * CPU ms per second of serve's process and per push. A profiling aid for bench:proxy.
 * Run: node --import tsx test/bench/proxy-idle.ts [seconds] [bin.js path]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setLogLevel } from "../../runtimes/node/log.js";
import { pushIdleReplica } from "./proxy-push.js";
import { ticksPerSecond } from "./proxy-wrk.js";

setLogLevel("warn");
const seconds = Number(process.argv[2] ?? 5);
const bin = process.argv[3] ?? fileURLToPath(new URL("../../runtimes/node/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "idle-"));
writeFileSync(
  join(dir, "pool.yaml"),
  "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: {name: bench}\nspec: {selector: {matchLabels: {app: bench}}, targetPorts: [{number: 8000}]}\n",
);
const ports = ["http", "api", "extproc", "health", "metrics"].flatMap((p) => [`--${p}-port`, "0"]);
const child = spawn(
  process.execPath,
  [
    ...(process.env.SERVE_NODE_ARGS ?? "").split(" ").filter(Boolean),
    bin,
    "serve",
    "--config",
    dir,
    "--host",
    "127.0.0.1",
    ...ports,
  ],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const api = await new Promise<number>((resolve) => {
  let text = "";
  child.stdout.on("data", (d: Buffer) => {
    text += d.toString();
    const m = /"service":"api","port":(\d+)[\s\S]*"msg":"scheduler"/.exec(text);
    if (m) resolve(Number(m[1]));
  });
});
const cpu = () => {
  const s = readFileSync(`/proc/${child.pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(") ") + 2).split(" ");
  return { user: (Number(f[11]) * 1000) / ticksPerSecond(), sys: (Number(f[12]) * 1000) / ticksPerSecond() };
};
const stop =
  process.env.NO_PUSH === "1"
    ? () => {}
    : pushIdleReplica({
        api,
        address: "127.0.0.1:8000",
        source: "r0",
        intervalMs: Number(process.env.PUSH_MS ?? 100),
      });
await new Promise((r) => setTimeout(r, 3000)); // warm-up
const c0 = cpu();
await new Promise((r) => setTimeout(r, seconds * 1000));
const c1 = cpu();
const used = c1.user + c1.sys - c0.user - c0.sys;
const pushes = process.env.NO_PUSH === "1" ? "no pushes" : "one replica pushing every 100 ms";
console.log(
  `serve idle, ${pushes}: ${(used / seconds).toFixed(1)} ms CPU per second (kernel ${((c1.sys - c0.sys) / seconds).toFixed(1)})`,
);
stop();
child.kill("SIGTERM");
rmSync(dir, { recursive: true });
