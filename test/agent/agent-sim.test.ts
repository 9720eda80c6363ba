/** The agent against the simulator's vLLM-format /metrics, pushing into a real serve. */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsFromScrape } from "../../src/agent/metrics-from-scrape.js";
import { PoolStateService } from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { type CliProcess, loopbackPorts, startCli } from "../integration/helpers/spawn-cli.js";

let sim: CliProcess;
let serve: CliProcess;
let agent: CliProcess;
let simPort: number;
const address = "10.9.8.7:8000";

beforeAll(async () => {
  [sim, serve] = await Promise.all([
    startCli(["sim", "--replicas", "1", "--base-port", "0", "--num-blocks", "1234", "--max-loras", "3"], {
      waitFor: ["sim"],
    }),
    startCli(["serve", "--config", "runtimes/node/examples/minimal", ...loopbackPorts], { waitFor: ["api"] }),
  ]);
  simPort = sim.port("sim");
  agent = await startCli(
    [
      "agent",
      "--engine",
      "vllm",
      "--metrics-url",
      `http://127.0.0.1:${simPort}/metrics`,
      "--address",
      address,
      "--pool",
      "pool-a",
      "--push",
      `http://127.0.0.1:${serve.port("api")}`,
      "--labels",
      "app=pool-a",
      "--interval",
      "50ms",
    ],
    { waitFor: [] },
  );
});

afterAll(async () => {
  await agent?.stop();
  await Promise.all([serve?.stop(), sim?.stop()]);
});

describe("inference-router agent against the simulator", () => {
  it("parses the simulator's /metrics with the agent's own mapping", async () => {
    const text = await (await fetch(`http://127.0.0.1:${simPort}/metrics`)).text();
    expect(metricsFromScrape("vllm", text)).toMatchObject({ blockSize: 16, numBlocks: 1234, maxAdapters: 3 });
  });

  it("pushes the simulated server into serve as a ready vLLM endpoint", async () => {
    const client = createClient(
      PoolStateService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${serve.port("api")}`, httpVersion: "1.1" }),
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { pool } = await client.getPool({ pool: "pool-a" });
      const e = pool?.endpoints.find((x) => x.address === address);
      if (e) {
        expect(e).toMatchObject({ ready: true, engine: "vllm" });
        expect(e.metrics).toMatchObject({
          waitingRequests: 0,
          blockSize: 16,
          numBlocks: 1234,
          maxAdapters: 3,
        });
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`no endpoint; agent logs ${JSON.stringify(agent.logs.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });
});
