import { describe, expect, it } from "vitest";
import { type RequestMetrics, settleRequest } from "../../src/metrics/request-metrics.js";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import type { Lease } from "../../src/state/in-flight.js";

function recorder() {
  const calls: string[] = [];
  const metrics: RequestMetrics = {
    recordRequest: (m) => calls.push(`request ${m}`),
    recordError: (m, _t, code) => calls.push(`error ${m} ${code}`),
    recordUsage: (m, _t, u) => calls.push(`usage ${m} ${u.promptTokens}+${u.completionTokens}`),
    recordRequestEnd: (m, _t, c) => calls.push(`end ${m} ${c === undefined ? "-" : c.responseBytes}`),
  };
  return { calls, metrics };
}

function lease(calls: string[]): Lease {
  return {
    pool: "p",
    address: "a",
    tokens: 1,
    release: () => calls.push("release"),
    moveTo: () => undefined,
  };
}

describe("settleRequest", () => {
  it("releases the lease, then records the usage and the completed end", () => {
    const { calls, metrics } = recorder();
    settleRequest(
      lease(calls),
      metrics,
      { clientModel: "m", targetModel: "t" },
      {
        usage: { promptTokens: 3, completionTokens: 4 },
        completed: { durationSeconds: 1, responseBytes: 90 },
      },
    );
    expect(calls).toEqual(["release", "usage m 3+4", "end m 90"]);
  });

  it("records an end without completion and no usage when there is none", () => {
    const { calls, metrics } = recorder();
    settleRequest(
      undefined,
      metrics,
      { clientModel: "m", targetModel: "t" },
      { usage: undefined, completed: undefined },
    );
    expect(calls).toEqual(["end m -"]);
  });

  it("only releases the lease of a request that never got a pick", () => {
    const { calls, metrics } = recorder();
    settleRequest(lease(calls), metrics, undefined, { usage: undefined, completed: undefined });
    expect(calls).toEqual(["release"]);
  });

  it("is satisfied by RouterMetrics, whose running gauge goes back down", () => {
    const metrics = new RouterMetrics();
    metrics.recordRequest("m", "t", 10);
    settleRequest(
      undefined,
      metrics,
      { clientModel: "m", targetModel: "t" },
      { usage: undefined, completed: undefined },
    );
    expect(metrics.expose()).toMatch(/running_requests\{model_name="m"\} 0/);
  });
});
