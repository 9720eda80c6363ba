import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { PoolStateService } from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { loopbackPorts, repoRoot, startCli } from "./helpers/spawn-cli.js";

const run = promisify(execFile);
const bin = join(repoRoot, "runtimes/node/bin.js");

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("serve: start-up and shutdown", () => {
  it("lists every flag with its environment twin in --help", async () => {
    const { code, stdout } = await runCli(["serve", "--help"]);
    expect(code).toBe(0);
    for (const flag of [
      "--config",
      "--api-port",
      "--http-port",
      "--extproc-port",
      "--health-port",
      "--metrics-port",
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain("INFERENCE_ROUTER_API_PORT");
  });

  it("exits 2 naming the flag when a port is out of range", async () => {
    const { code, stderr } = await runCli(["serve", "--api-port", "70000"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--api-port");
    expect(stderr).toContain("70000");
  });

  it("exits 2 with the file, document, field and rule when a manifest is bad", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bad-config-"));
    writeFileSync(
      join(dir, "pool.yaml"),
      "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata:\n  name: p\nspec:\n  selector:\n    matchLabels: {app: x}\n  targetPorts:\n    - number: 70000\n",
    );
    const { code, stderr } = await runCli(["serve", "--config", dir, ...loopbackPorts]);
    expect(code).toBe(2);
    expect(stderr).toContain("pool.yaml");
    expect(stderr).toContain("spec.targetPorts[0].number");
    expect(stderr).toContain("70000");
  });

  it("keeps the last good config when a reloaded file is invalid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reload-"));
    const pool = (name: string, port: number) =>
      `apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: x}\n  targetPorts:\n    - number: ${port}\n`;
    writeFileSync(join(dir, "pool.yaml"), pool("first", 8000));
    const server = await startCli(["serve", "--config", dir, ...loopbackPorts], { waitFor: ["api"] });
    try {
      const client = createClient(
        PoolStateService,
        createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port("api")}`, httpVersion: "1.1" }),
      );
      writeFileSync(join(dir, "pool.yaml"), pool("second", 8000));
      await expect
        .poll(async () => (await client.listPools({})).pools.map((p) => p.name), { timeout: 5000 })
        .toEqual(["second"]);
      writeFileSync(join(dir, "pool.yaml"), pool("third", 0));
      await expect
        .poll(() => server.logs.some((l) => l.msg?.toString().includes("config change refused")), {
          timeout: 5000,
        })
        .toBe(true);
      expect((await client.listPools({})).pools.map((p) => p.name)).toEqual(["second"]);
    } finally {
      await server.stop();
    }
  });

  it("drains on SIGTERM, ending open Watch streams, and exits 0", async () => {
    const server = await startCli(["serve", "--config", "examples/minimal", ...loopbackPorts], {
      waitFor: ["api"],
    });
    const client = createClient(
      PoolStateService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port("api")}`, httpVersion: "2" }),
    );
    const stream = client.watchPool({ pool: "pool-a" })[Symbol.asyncIterator]();
    expect((await stream.next()).value.reason).toBe("initial");
    const ending = stream.next().catch(() => ({ done: true }));
    expect(await server.stop("SIGTERM")).toBe(0);
    expect((await ending).done).toBe(true);
    expect(server.logs.some((l) => l.msg === "stopped")).toBe(true);
  });
});
