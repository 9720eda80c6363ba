/**
 * The agent as a real child process between a fixture /metrics server (node:http on loopback) and
 * a real `serve`, checked through the generated Connect client's GetPool.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Endpoint, PoolStateService } from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { type CliProcess, loopbackPorts, startCli } from "../integration/helpers/spawn-cli.js";

const vllm = readFileSync(new URL("./fixtures/vllm.txt", import.meta.url), "utf8");
const address = "10.1.2.3:8000";

/** What the fixture engine answers; tests flip these. */
const engine = { body: vllm, healthStatus: 200 };
let fixture: Server;
let fixturePort: number;
let serve: CliProcess;
let apiPort: number;
let agent: CliProcess;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; agent logs: ${JSON.stringify(agent?.logs.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function client(): Client<typeof PoolStateService> {
  return createClient(
    PoolStateService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${apiPort}`, httpVersion: "1.1" }),
  );
}

async function endpoint(): Promise<Endpoint | undefined> {
  const { pool } = await client().getPool({ pool: "pool-a" });
  return pool?.endpoints.find((e) => e.address === address);
}

const logged = (proc: CliProcess, msg: string, from = 0) => proc.logs.slice(from).find((l) => l.msg === msg);

beforeAll(async () => {
  fixture = createServer((req, res) => {
    if (req.url === "/metrics") res.writeHead(200, { "content-type": "text/plain" }).end(engine.body);
    else if (req.url === "/health") res.writeHead(engine.healthStatus).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => fixture.listen(0, "127.0.0.1", r));
  fixturePort = (fixture.address() as AddressInfo).port;
  serve = await startCli(["serve", "--config", "runtimes/node/examples/minimal", ...loopbackPorts], {
    waitFor: ["api"],
  });
  apiPort = serve.port("api");
  agent = await startCli(
    [
      "agent",
      "--engine",
      "vllm",
      "--metrics-url",
      `http://127.0.0.1:${fixturePort}/metrics`,
      "--address",
      address,
      "--pool",
      "pool-a",
      "--push",
      `http://127.0.0.1:${apiPort}`,
      "--labels",
      "app=pool-a",
      "--interval",
      "50ms",
      "--metrics-port",
      "0",
      "--host",
      "127.0.0.1",
    ],
    { waitFor: [], env: { INFERENCE_ROUTER_LOG_LEVEL: "debug" } },
  );
});

afterAll(async () => {
  await agent?.stop("SIGKILL");
  await serve?.stop();
  fixture?.close();
});

describe("inference-router agent", () => {
  it("pushes the fixture's metrics into a real serve", async () => {
    await until("a push", () => logged(agent, "pushed"));
    const e = await until("the endpoint in GetPool", endpoint);
    expect(e).toMatchObject({
      ready: true,
      engine: "vllm",
      source: `agent-${address}`,
      labels: { app: "pool-a" },
    });
    expect(e.metrics).toMatchObject({
      waitingRequests: 4,
      runningRequests: 12,
      kvCacheUsage: 0.5,
      activeAdapters: ["sql-lora", "tweet-summary"],
      waitingAdapters: ["chat-lora"],
      maxAdapters: 4,
      blockSize: 16,
      numBlocks: 54000,
    });
  });

  it("serves its own lag on --metrics-port", async () => {
    const port = await until("the agent's metrics listener", () => {
      const l = agent.logs.find((x) => x.msg === "listening" && x.service === "agent-metrics");
      return l?.port as number | undefined;
    });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/inference_router_agent_pushes_total [1-9]/);
    expect(text).toContain("inference_router_agent_seconds_since_last_push");
  });

  it("logs a garbage scrape and leaves the pool's metrics alone", async () => {
    const before = (await endpoint())!;
    engine.body = "<html><body>502 Bad Gateway</body></html>";
    const refused = (from: number) => () => {
      const n = agent.logs.slice(from).filter((l) => l.msg === "scrape not pushed" && l.reason === "parse");
      return n.length >= 3 ? n.length : undefined;
    };
    await until("three refused scrapes", refused(agent.logs.length));
    const settled = (await endpoint())!;
    await until("three more refused scrapes", refused(agent.logs.length));
    const after = (await endpoint())!;
    expect(after.sequence).toBe(settled.sequence);
    expect(after.metrics).toEqual(before.metrics);
    engine.body = vllm;
  });

  it("marks the endpoint not ready while the engine's /health fails", async () => {
    engine.healthStatus = 503;
    await until("ready=false", async () => ((await endpoint())?.ready === false ? true : undefined));
    engine.healthStatus = 200;
    await until("ready=true again", async () => ((await endpoint())?.ready === true ? true : undefined));
  });

  it("pushes over one held StreamSnapshots call with --push-stream, and ready=false on SIGTERM", async () => {
    const streamed = "10.1.2.4:8000";
    const find = async () =>
      (await client().getPool({ pool: "pool-a" })).pool?.endpoints.find((e) => e.address === streamed);
    const second = await startCli(
      [
        "agent",
        "--engine",
        "vllm",
        "--metrics-url",
        `http://127.0.0.1:${fixturePort}/metrics`,
        "--address",
        streamed,
        "--pool",
        "pool-a",
        "--push",
        `http://127.0.0.1:${apiPort}`,
        "--labels",
        "app=pool-a",
        "--interval",
        "50ms",
        "--push-stream",
      ],
      { waitFor: [] },
    );
    try {
      const first = await until("the streamed endpoint", async () =>
        (await find())?.ready ? await find() : undefined,
      );
      await until("a later push on the stream", async () => {
        const e = await find();
        return e && e.sequence > first.sequence ? e : undefined;
      });
      expect(second.logs.filter((l) => l.msg === "push failed; backing off")).toEqual([]);
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
    expect((await find())?.ready).toBe(false);
  });

  it("backs off while the router is down and recovers when it returns on the same port", async () => {
    const from = agent.logs.length;
    // SIGKILL: a crashed router. (A SIGTERM drain waits while the agent's keep-alive connection stays busy.)
    await serve.stop("SIGKILL");
    await until("a backoff log", () => logged(agent, "push failed; backing off", from));
    serve = await startCli(
      [
        "serve",
        "--config",
        "runtimes/node/examples/minimal",
        ...loopbackPorts,
        "--api-port",
        String(apiPort),
      ],
      {
        waitFor: ["api"],
      },
    );
    await until("recovery", () => logged(agent, "router reachable again", from), 15_000);
    const e = await until("the endpoint on the new serve", endpoint);
    expect(e.metrics?.runningRequests).toBe(12);
  });

  it("pushes ready=false and exits 0 on SIGTERM", async () => {
    expect(await agent.stop("SIGTERM")).toBe(0);
    expect((await endpoint())?.ready).toBe(false);
  });
});
