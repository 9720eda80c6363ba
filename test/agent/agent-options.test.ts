import { describe, expect, it } from "vitest";
import { validateAgentOptions } from "../../src/agent/agent-options.js";
import { RouterError } from "../../src/core/errors.js";

const base = {
  engine: "vllm",
  "metrics-url": "http://127.0.0.1:8000/metrics",
  address: "10.0.0.7:8000",
  pool: "pool-a",
  push: "http://router:9004/",
};

function refusal(raw: Record<string, string | number | undefined>): RouterError {
  try {
    validateAgentOptions(raw);
  } catch (e) {
    if (e instanceof RouterError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("validateAgentOptions", () => {
  it("fills defaults: health URL from the metrics origin, source from the address, 100ms interval", () => {
    expect(validateAgentOptions(base)).toEqual({
      engine: "vllm",
      metricsUrl: "http://127.0.0.1:8000/metrics",
      healthUrl: "http://127.0.0.1:8000/health",
      address: "10.0.0.7:8000",
      pool: "pool-a",
      pushUrl: "http://router:9004",
      pushTargets: [{ url: "http://router:9004", hostname: "router" }],
      resolveIntervalMs: 5000,
      token: undefined,
      intervalMs: 100,
      timeoutMs: 1000,
      source: "agent-10.0.0.7:8000",
      models: [],
      labels: {},
      metricsPort: undefined,
      pushStream: false,
    });
  });

  it("parses labels, models and explicit settings", () => {
    const o = validateAgentOptions({
      ...base,
      labels: "app=pool-a, tier=gold",
      models: "llama,sql-lora",
      source: "me",
      token: "t",
      interval: 250,
      "health-url": "http://127.0.0.1:8001/ready",
      "metrics-port": 9100,
      "push-stream": true,
    });
    expect(o).toMatchObject({
      labels: { app: "pool-a", tier: "gold" },
      models: ["llama", "sql-lora"],
      source: "me",
      token: "t",
      intervalMs: 250,
      healthUrl: "http://127.0.0.1:8001/ready",
      metricsPort: 9100,
      pushStream: true,
    });
  });

  it("canonicalises IPv6 addresses", () => {
    expect(validateAgentOptions({ ...base, address: "[FD00:0::1]:8000" }).address).toBe("[fd00::1]:8000");
  });

  it.each([
    [{ engine: "foo" }, "engine", /--engine: "foo" must be one of vllm, sglang, trtllm/],
    [{ engine: undefined }, "engine", /--engine is required/],
    [{ "metrics-url": "not a url" }, "metrics-url", /is not a URL/],
    [{ push: "ftp://x" }, "push", /--push: "ftp:\/\/x" must be an http:\/\/ or https:\/\/ URL/],
    [{ address: "pod-1:8000" }, "address", /--address: "pod-1:8000" is not an address/],
    [{ labels: "app" }, "labels", /key=value/],
  ])("refuses %j naming the flag", (over, flag, message) => {
    const e = refusal({ ...base, ...over });
    expect(e.field).toBe(flag);
    expect(e.message).toMatch(message);
  });
});
