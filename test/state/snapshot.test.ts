import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { parseSnapshot } from "../../src/state/snapshot.js";

const good = () => ({
  pool: "pool-a",
  source: "agent-1",
  sequence: 1n,
  observedAt: { seconds: 1_700_000_000n, nanos: 500_000_000 },
  endpoints: [
    {
      address: "10.0.0.1:8000",
      ready: true,
      labels: { app: "vllm" },
      engine: "vllm",
      models: [],
      metrics: {
        waitingRequests: 1,
        runningRequests: 2,
        kvCacheUsage: 0.5,
        activeAdapters: ["a"],
        waitingAdapters: [],
        maxAdapters: 4,
        blockSize: 16,
        numBlocks: 1000,
      },
    },
  ],
});

function refusal(input: unknown, limits?: { maxEndpoints: number }): RouterError {
  try {
    parseSnapshot(input, 0, limits);
  } catch (e) {
    if (e instanceof RouterError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("parseSnapshot", () => {
  it("accepts a well-formed push and converts observedAt to milliseconds", () => {
    const s = parseSnapshot(good(), 0);
    expect(s.observedAt).toBe(1_700_000_000_500);
    expect(s.endpoints[0]).toMatchObject({ address: "10.0.0.1:8000", ip: "10.0.0.1", port: 8000 });
  });

  it("uses the receive time when observedAt is missing", () => {
    const { observedAt: _, ...rest } = good();
    expect(parseSnapshot(rest, 42).observedAt).toBe(42);
  });

  it("canonicalises IPv6 addresses in brackets", () => {
    const g = good();
    g.endpoints[0]!.address = "[FD00:0:0::1]:8000";
    expect(parseSnapshot(g, 0).endpoints[0]).toMatchObject({ address: "[fd00::1]:8000", ip: "fd00::1" });
  });

  it.each([
    [
      "an empty pool name",
      (g: ReturnType<typeof good>) => {
        g.pool = "";
      },
      "pool",
      "must not be empty",
    ],
    [
      "sequence 0",
      (g: ReturnType<typeof good>) => {
        g.sequence = 0n;
      },
      "sequence",
      "at least 1",
    ],
    [
      "KV usage above 1",
      (g: ReturnType<typeof good>) => {
        g.endpoints[0]!.metrics.kvCacheUsage = 1.5;
      },
      "endpoints[0].metrics.kvCacheUsage",
      "1.5 must be between 0 and 1",
    ],
    [
      "a negative queue",
      (g: ReturnType<typeof good>) => {
        g.endpoints[0]!.metrics.waitingRequests = -1;
      },
      "endpoints[0].metrics.waitingRequests",
      "-1",
    ],
    [
      "a hostname",
      (g: ReturnType<typeof good>) => {
        g.endpoints[0]!.address = "vllm-0:8000";
      },
      "endpoints[0].address",
      "not an IPv4 address",
    ],
    [
      "an unbracketed IPv6 address",
      (g: ReturnType<typeof good>) => {
        g.endpoints[0]!.address = "fd00::1:8000";
      },
      "endpoints[0].address",
      "must be bracketed",
    ],
    [
      "port 70000",
      (g: ReturnType<typeof good>) => {
        g.endpoints[0]!.address = "10.0.0.1:70000";
      },
      "endpoints[0].address",
      "between 1 and 65535",
    ],
    [
      "a duplicate address",
      (g: ReturnType<typeof good>) => {
        g.endpoints.push({ ...g.endpoints[0]! });
      },
      "endpoints[1].address",
      "appears twice",
    ],
  ])("refuses %s, naming the field and the rule", (_name, mutate, field, text) => {
    const g = good();
    mutate(g);
    const err = refusal(g);
    expect(err.code).toBe("BadRequest");
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
    expect(err.message).toContain(text);
  });

  it("refuses more endpoints than the configured limit", () => {
    const g = good();
    g.endpoints.push({ ...g.endpoints[0]!, address: "10.0.0.2:8000" });
    const err = refusal(g, { maxEndpoints: 1 });
    expect(err.field).toBe("endpoints");
    expect(err.message).toContain("at most 1 entries");
  });
});
