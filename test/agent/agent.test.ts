import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type AgentDeps, createAgent } from "../../src/agent/agent.js";
import { agentStatsToText } from "../../src/agent/agent-stats.js";
import { createManualClock } from "../../src/core/clock.js";
import type { PushSnapshotRequest } from "../../src/gen/inferencerouter/v1/pool_state_pb.js";

const vllm = readFileSync(new URL("./fixtures/vllm.txt", import.meta.url), "utf8");

const opts = {
  engine: "vllm" as const,
  pool: "pool-a",
  source: "agent-10.0.0.7:8000",
  address: "10.0.0.7:8000",
  labels: { app: "pool-a" },
  models: [],
  intervalMs: 100,
  timeoutMs: 1000,
};

function harness() {
  const clock = createManualClock(1_764_144_000_000);
  const pushes: PushSnapshotRequest[] = [];
  const logs: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const state = { body: vllm, healthy: true, routerUp: true, scrapeThrows: false };
  const deps: AgentDeps = {
    clock,
    random: { next: () => 0.999999 },
    async scrape() {
      if (state.scrapeThrows) throw new Error("connect ECONNREFUSED");
      clock.advance(3);
      return state.body;
    },
    async checkHealth() {
      return state.healthy;
    },
    send: {
      mode: "unary",
      async push(req) {
        clock.advance(2);
        if (!state.routerUp) throw new ConnectError("connect ECONNREFUSED", Code.Unavailable);
        pushes.push(req);
      },
    },
    log: (level, msg, fields = {}) => logs.push({ level, msg, fields }),
  };
  return { agent: createAgent(opts, deps), clock, pushes, logs, state };
}

describe("createAgent", () => {
  it("pushes the scraped metrics with its source, a clock-based sequence and the scrape time", async () => {
    const h = harness();
    expect(await h.agent.tick()).toBe(100);
    const req = h.pushes[0]!;
    expect(req).toMatchObject({
      pool: "pool-a",
      source: "agent-10.0.0.7:8000",
      sequence: 1_764_144_000_003_000n,
    });
    expect(req.observedAt?.seconds).toBe(1_764_144_000n);
    expect(req.endpoints[0]).toMatchObject({
      address: "10.0.0.7:8000",
      ready: true,
      engine: "vllm",
      labels: { app: "pool-a" },
      metrics: {
        waitingRequests: 4,
        runningRequests: 12,
        kvCacheUsage: 0.5,
        activeAdapters: ["sql-lora", "tweet-summary"],
      },
    });
    expect(h.logs.find((l) => l.msg === "pushed")?.fields).toMatchObject({ scrapeMs: 3, pushMs: 2 });
  });

  it("uses strictly increasing sequences", async () => {
    const h = harness();
    await h.agent.tick();
    await h.agent.tick();
    expect(h.pushes[1]!.sequence > h.pushes[0]!.sequence).toBe(true);
  });

  it("pushes nothing for a scrape it cannot parse, and logs why", async () => {
    const h = harness();
    h.state.body = "<html>oops</html>";
    // The next scrape waits for the backoff's first step, not the 100 ms interval.
    expect(await h.agent.tick()).toBe(200);
    expect(h.pushes).toHaveLength(0);
    expect(h.logs.find((l) => l.msg === "scrape not pushed")?.fields).toMatchObject({ reason: "parse" });
  });

  it("pushes nothing when the scrape lacks a required metric", async () => {
    const h = harness();
    h.state.body = "vllm:num_requests_running 1\n";
    await h.agent.tick();
    expect(h.pushes).toHaveLength(0);
    expect(h.logs.at(-1)?.fields).toMatchObject({
      reason: "missing-metric",
      metric: "vllm:num_requests_waiting",
    });
  });

  it("marks the endpoint not ready when the health check fails, still pushing", async () => {
    const h = harness();
    h.state.healthy = false;
    await h.agent.tick();
    expect(h.pushes[0]!.endpoints[0]!.ready).toBe(false);
  });

  it("reports a dead engine as not ready with its last good metrics", async () => {
    const h = harness();
    await h.agent.tick();
    h.state.scrapeThrows = true;
    h.state.healthy = false;
    await h.agent.tick();
    expect(h.pushes).toHaveLength(2);
    expect(h.pushes[1]!.endpoints[0]).toMatchObject({ ready: false, metrics: { waitingRequests: 4 } });
  });

  it("backs off exponentially while the router is unreachable, then returns to the interval", async () => {
    const h = harness();
    h.state.routerUp = false;
    const delays = [];
    for (let i = 0; i < 4; i++) delays.push(await h.agent.tick());
    expect(delays).toEqual([200, 400, 800, 1600]);
    expect(h.logs.filter((l) => l.msg === "push failed; backing off")[0]).toMatchObject({
      level: "warn",
      fields: { code: "Unavailable", attempt: 1, retryInMs: 200 },
    });
    h.state.routerUp = true;
    expect(await h.agent.tick()).toBe(100);
    expect(h.logs.some((l) => l.msg === "router reachable again")).toBe(true);
    expect(h.agent.stats).toMatchObject({ pushFailures: 4, pushes: 1, consecutiveFailures: 0 });
  });

  it("pushes nothing on close before its first good scrape", async () => {
    const h = harness();
    expect(await h.agent.close()).toBe(false);
    expect(h.pushes).toHaveLength(0);
  });

  it("pushes ready=false once on close, with its last good metrics and a newer sequence", async () => {
    const h = harness();
    await h.agent.tick();
    expect(await h.agent.close()).toBe(true);
    expect(await h.agent.close()).toBe(false);
    expect(h.pushes).toHaveLength(2);
    expect(h.pushes[1]!.endpoints[0]).toMatchObject({ ready: false, metrics: { waitingRequests: 4 } });
    expect(h.pushes[1]!.sequence > h.pushes[0]!.sequence).toBe(true);
  });

  it("exposes its lag in the Prometheus text format", async () => {
    const h = harness();
    await h.agent.tick();
    h.clock.advance(1500);
    const text = agentStatsToText(h.agent.stats, h.clock.now());
    expect(text).toContain("inference_router_agent_pushes_total 1\n");
    expect(text).toContain("inference_router_agent_scrape_duration_seconds 0.003\n");
    expect(text).toContain("inference_router_agent_seconds_since_last_push 1.5\n");
  });
});
