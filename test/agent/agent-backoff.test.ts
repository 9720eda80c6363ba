/**
 * The agent on a bad day, on a manual clock: an engine that is down is scraped (and logged) on the
 * backoff, not ~8 times a second, and a push the router refuses for good stops the pushing with one
 * line naming the Connect code.
 */
import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createAgent } from "../../src/agent/agent.js";
import { createManualClock } from "../../src/core/clock.js";
import { createManualTimers } from "../../src/push/timers.js";

const vllm = readFileSync(new URL("./fixtures/vllm.txt", import.meta.url), "utf8");

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function harness() {
  const clock = createManualClock(1_764_144_000_000);
  const timers = createManualTimers(clock);
  const logs: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const state = { engineUp: true, refusal: undefined as Code | undefined, scrapes: 0, pushCalls: 0 };
  const refused: ConnectError[] = [];
  const agent = createAgent(
    {
      engine: "vllm",
      pool: "pool-a",
      source: "agent-10.0.0.7:8000",
      address: "10.0.0.7:8000",
      labels: {},
      models: [],
      intervalMs: 100,
      timeoutMs: 1000,
    },
    {
      clock,
      timers,
      random: { next: () => 0.999999 },
      async scrape() {
        state.scrapes++;
        if (!state.engineUp) throw new Error("connect ECONNREFUSED 127.0.0.1:8000");
        return vllm;
      },
      async checkHealth() {
        return state.engineUp;
      },
      send: {
        mode: "unary",
        async push() {
          state.pushCalls++;
          if (state.refusal !== undefined)
            throw new ConnectError('pool "pool-a" is not configured', state.refusal);
        },
      },
      log: (level, msg, fields = {}) => logs.push({ level, msg, fields }),
      onRefused: (e) => refused.push(e),
    },
  );
  /** Runs the agent's timers for `ms` of manual time, 50 ms at a time. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      timers.advance(50);
      await flush();
    }
  };
  return { agent, logs, state, refused, run };
}

describe("the agent while its engine is down", () => {
  it("scrapes on the backoff and logs the outage once, then scrapes at the interval again", async () => {
    const h = harness();
    h.state.engineUp = false;
    h.agent.start();
    await h.run(10_000);
    // 100 ms rounds would be ~100 scrapes; 200, 400, ... 6400 ms waits are 6 or 7.
    expect(h.state.scrapes).toBeLessThanOrEqual(8);
    expect(h.logs.filter((l) => l.msg === "scrape not pushed" && l.level === "warn")).toHaveLength(1);
    h.state.engineUp = true;
    await h.run(7_000);
    expect(h.logs.filter((l) => l.msg === "scrape recovered")).toHaveLength(1);
    const before = h.state.scrapes;
    await h.run(1_000);
    expect(h.state.scrapes - before).toBeGreaterThanOrEqual(9);
    await h.agent.close();
  });
});

describe("the agent when the router refuses its push for good", () => {
  for (const code of [Code.NotFound, Code.InvalidArgument, Code.Unauthenticated, Code.PermissionDenied]) {
    it(`stops pushing after ${Code[code]}, with one error line naming the code`, async () => {
      const h = harness();
      h.state.refusal = code;
      h.agent.start();
      await h.run(10_000);
      expect(h.state.pushCalls).toBe(1);
      const lines = h.logs.filter((l) => l.msg.startsWith("push refused; not retrying"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: "error", fields: { code: Code[code] } });
      expect(h.refused.map((e) => e.code)).toEqual([code]);
      expect(h.logs.some((l) => l.msg === "push failed; backing off")).toBe(false);
    });
  }

  it("keeps retrying, on the backoff, a refusal a retry can cure", async () => {
    const h = harness();
    h.state.refusal = Code.Unavailable;
    h.agent.start();
    await h.run(10_000);
    expect(h.state.pushCalls).toBeGreaterThan(1);
    expect(h.refused).toEqual([]);
    expect(h.logs.find((l) => l.msg === "push failed; backing off")?.fields.code).toBe("Unavailable");
    await h.agent.close();
  });
});
