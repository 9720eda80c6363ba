import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PoolStateService } from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { type CliProcess, loopbackPorts, startCli } from "../integration/helpers/spawn-cli.js";
import { post, waitUntil } from "./helpers.js";

let serve: CliProcess;
let sim: CliProcess;
let simPorts: number[] = [];

function simListening(p: CliProcess): number[] {
  return p.logs.filter((l) => l.msg === "listening" && l.service === "sim").map((l) => l.port as number);
}

beforeAll(async () => {
  serve = await startCli(
    ["serve", "--config", "runtimes/node/examples/minimal", ...loopbackPorts, "--push-token", "tok"],
    {
      waitFor: ["api"],
    },
  );
  const api = `http://127.0.0.1:${serve.port("api")}`;
  sim = await startCli(
    ["sim", "--replicas", "3", "--preset", "demo", "--base-port", "0", "--push", api, "--pool", "pool-a"],
    { waitFor: [], env: { INFERENCE_ROUTER_TOKEN: "tok", INFERENCE_ROUTER_INTERVAL: "50ms" } },
  );
  await waitUntil(() => simListening(sim).length === 3, 15_000);
  simPorts = simListening(sim);
});

afterAll(async () => {
  await sim?.stop();
  await serve?.stop();
});

describe("inference-router sim", () => {
  it("feeds a running serve: GetPool shows three sim endpoints with live metrics", async () => {
    const client = createClient(
      PoolStateService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${serve.port("api")}`, httpVersion: "1.1" }),
    );
    const pool = async () => (await client.getPool({ pool: "pool-a" })).pool!;
    await waitUntil(async () => (await pool()).endpoints.length === 3, 10_000);
    const p = await pool();
    expect(p.endpoints.map((e) => e.address).sort()).toEqual(
      simPorts.map((port) => `127.0.0.1:${port}`).sort(),
    );
    for (const e of p.endpoints) {
      expect(e).toMatchObject({ engine: "sim", ready: true, labels: { app: "pool-a" } });
      expect(e.metrics).toMatchObject({ blockSize: 16, numBlocks: 150, maxAdapters: 2, runningRequests: 0 });
    }
    const target = simPorts[1]!;
    const ctl = new AbortController();
    const pending = Array.from({ length: 4 }, (_, i) =>
      post(
        `http://127.0.0.1:${target}`,
        "/v1/completions",
        { model: "m", prompt: `hello ${i}`, max_tokens: 300 },
        ctl.signal,
      ).catch(() => undefined),
    );
    await waitUntil(async () => {
      const e = (await pool()).endpoints.find((x) => x.address === `127.0.0.1:${target}`);
      return (e?.metrics?.runningRequests ?? 0) > 0 && (e?.metrics?.kvCacheUsage ?? 0) > 0;
    }, 5000);
    ctl.abort();
    await Promise.all(pending);
    await waitUntil(
      async () => (await pool()).endpoints.every((e) => e.metrics?.runningRequests === 0),
      5000,
    );
  });

  it("stops cleanly on SIGTERM", async () => {
    const p = await startCli(["sim", "--replicas", "2", "--base-port", "0"], { waitFor: ["sim"] });
    expect(await p.stop("SIGTERM")).toBe(0);
  });

  it("keeps running and logs when the router is unreachable", async () => {
    const p = await startCli(
      ["sim", "--base-port", "0", "--push", "http://127.0.0.1:1", "--pool", "p", "--interval", "20ms"],
      { waitFor: ["sim"] },
    );
    try {
      await waitUntil(() => p.logs.some((l) => l.msg === "push failed"), 5000);
      const port = p.port("sim");
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });

  it("exits 2 naming a bad flag and its value, and lists every flag in --help", async () => {
    const [badRate, noPool, help] = await Promise.all([
      startCli(["sim", "--crash-mid-stream-rate", "1.5"], { waitFor: ["sim"] }).catch((e: Error) => e),
      startCli(["sim", "--push", "http://x:1"], { waitFor: ["sim"] }).catch((e: Error) => e),
      startCli(["sim", "--help"]),
    ]);
    expect(String(badRate)).toMatch(/exited with 2.*--crash-mid-stream-rate: "1.5"/s);
    expect(String(noPool)).toMatch(/exited with 2.*--pool is required/s);
    if (help instanceof Error) throw help;
    expect({ code: await help.exited, stderr: help.stderr() }).toEqual({ code: 0, stderr: "" });
    const text = help.logs.map((l) => l.msg).join("\n");
    for (const flag of [
      "replicas",
      "preset",
      "base-port",
      "push",
      "pool",
      "interval",
      "token",
      "error-rate",
      "slow-start-ms",
    ])
      expect(text).toContain(`--${flag}`);
    expect(text).toContain("INFERENCE_ROUTER_BASE_PORT");
  });
});
