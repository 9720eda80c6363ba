/**
 * A busy port stops `serve` and `demo` with exit 2 and one line naming the listener's flag and the way
 * out; a simulator that fails under `demo` shows its own error.
 */
import { execFile } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simFailure } from "../../../runtimes/node/demo.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const LISTENERS = ["api-port", "http-port", "extproc-port", "health-port", "metrics-port"];

let holder: net.Server;
let held: number;

beforeAll(async () => {
  // A test server holding a port: every listener told to use it finds the address in use.
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  held = (holder.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
});

/** Runs the CLI to its exit; every listener on port 0 but `busyFlag`, which gets the held port. */
function runCli(command: string, busyFlag: string, extra: string[] = []) {
  const args = ["runtimes/node/bin.js", command, "--host", "127.0.0.1", ...extra];
  for (const flag of LISTENERS) args.push(`--${flag}`, flag === busyFlag ? String(held) : "0");
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, args, { cwd: repo, timeout: 30_000 }, (_err, _stdout, stderr) =>
      resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe("serve with a busy port", () => {
  for (const flag of LISTENERS)
    it(`exits 2 naming --${flag}, the port and the way out`, async () => {
      const { code, stderr } = await runCli("serve", flag);
      expect(stderr).toContain(`--${flag} ${held}: address in use (EADDRINUSE); choose another port or 0`);
      expect(code).toBe(2);
    });
});

describe("demo with a busy port", () => {
  it("exits 2 naming --http-port", async () => {
    const { code, stderr } = await runCli("demo", "http-port");
    expect(stderr).toContain(`--http-port ${held}: address in use (EADDRINUSE); choose another port or 0`);
    expect(code).toBe(2);
  });

  it("exits 2 naming --sim-base-port when a replica's port is busy, with the simulator's error", async () => {
    const { code, stderr } = await runCli("demo", "none", [
      "--replicas",
      "1",
      "--sim-base-port",
      String(held),
    ]);
    expect(stderr).toContain(
      `--sim-base-port ${held}: replica port ${held}: address in use (EADDRINUSE); choose another port or 0`,
    );
    expect(code).toBe(2);
  });
});

describe("simFailure", () => {
  it("quotes the simulator's error log lines when it is not about a port", () => {
    const lines = [
      '{"level":"info","msg":"starting"}',
      '{"level":"error","msg":"failed to start","error":"Error: preset \\"x\\" unknown"}',
    ];
    expect(simFailure(lines, 1, 8001).message).toBe('the simulator exited with 1: Error: preset "x" unknown');
  });

  it("says the simulator printed nothing rather than point at an error above", () => {
    expect(simFailure([], 1, 8001).message).toBe("the simulator exited with 1 (it printed no error)");
  });

  it("reads the last port of an IPv6 address as the busy one", () => {
    const lines = ['{"level":"error","error":"Error: listen EADDRINUSE: address already in use ::1:8003"}'];
    expect(simFailure(lines, 1, 8001).message).toContain("replica port 8003");
  });
});
