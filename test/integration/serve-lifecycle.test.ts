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

async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
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

  it("runs from the TypeScript sources too (the path taken when the bundle is older than a source file)", async () => {
    const { code, stdout } = await runCli(["serve", "--help"], { INFERENCE_ROUTER_FROM_SOURCE: "1" });
    expect(code).toBe(0);
    expect(stdout).toContain("--extproc-port");
  });

  it("exits 2 naming INFERENCE_ROUTER_HEAP_GROWING_PERCENT when it is not a whole number, and takes 0", async () => {
    const bad = await runCli(["serve", "--help"], { INFERENCE_ROUTER_HEAP_GROWING_PERCENT: "1.5x" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('INFERENCE_ROUTER_HEAP_GROWING_PERCENT: "1.5x"');
    const off = await runCli(["serve", "--help"], { INFERENCE_ROUTER_HEAP_GROWING_PERCENT: "0" });
    expect(off.code).toBe(0);
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

  it("applies a reloaded config but warns that RouterConfig extproc changes wait for a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reload-extproc-"));
    const config = (mode: string) =>
      `apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata:\n  name: p\nspec:\n  selector:\n    matchLabels: {app: x}\n  targetPorts:\n    - number: 8000\n---\napiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec:\n  extproc: { bodyMode: ${mode} }\n`;
    writeFileSync(join(dir, "config.yaml"), config("FULL_DUPLEX_STREAMED"));
    const server = await startCli(["serve", "--config", dir, ...loopbackPorts], { waitFor: ["extproc"] });
    try {
      writeFileSync(join(dir, "config.yaml"), config("BUFFERED"));
      await expect
        .poll(() => server.logs.find((l) => l.msg === "config change takes effect at the next start"), {
          timeout: 5000,
        })
        .toMatchObject({ level: "warn", keys: ["RouterConfig spec.extproc"] });
    } finally {
      await server.stop();
    }
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

  it("protects reads with the read token when one is set, and leaves pushes to the push token", async () => {
    const server = await startCli(
      ["serve", "--config", "runtimes/node/examples/minimal", ...loopbackPorts, "--read-token", "r3ad"],
      {
        waitFor: ["api"],
      },
    );
    try {
      const base = `http://127.0.0.1:${server.port("api")}/inferencerouter.v1.PoolStateService`;
      const post = (method: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${base}/${method}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
      const refused = await post("GetPool", { pool: "pool-a" });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe("unauthenticated");
      expect((await post("GetPool", { pool: "pool-a" }, { authorization: "Bearer r3ad" })).status).toBe(200);
      expect(
        (await post("PushSnapshot", { pool: "pool-a", source: "s", sequence: 1, endpoints: [] })).status,
      ).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("exits 2 naming the plugin when the scheduler config is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bad-scheduler-"));
    writeFileSync(
      join(dir, "all.yaml"),
      [
        "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata:\n  name: p\nspec:\n  selector:\n    matchLabels: {app: x}\n  targetPorts:\n    - number: 8000",
        "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\nmetadata:\n  name: sched\nplugins:\n  - type: queue-scorer\n    name: q\n    parameters: {bogus: 1}\nschedulingProfiles:\n  - name: default\n    plugins:\n      - pluginRef: q",
        "apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec:\n  scheduler:\n    configRef: sched",
      ].join("\n---\n"),
    );
    const { code, stderr } = await runCli(["serve", "--config", dir, ...loopbackPorts]);
    expect(code).toBe(2);
    expect(stderr).toContain("q");
    expect(stderr).toContain("bogus");
  });

  it("drains on SIGTERM, ending open Watch streams, and exits 0", async () => {
    const server = await startCli(["serve", "--config", "runtimes/node/examples/minimal", ...loopbackPorts], {
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
