import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { parseSnapshot } from "../../src/state/snapshot.js";

/** The router's clock when the push arrives: 0.5 s after good()'s observedAt. */
const RECEIVED_AT = 1_700_000_001_000;

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
    parseSnapshot(input, RECEIVED_AT, limits);
  } catch (e) {
    if (e instanceof RouterError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("parseSnapshot", () => {
  it("accepts a well-formed push and converts observedAt to milliseconds", () => {
    const s = parseSnapshot(good(), RECEIVED_AT);
    expect(s.observedAt).toBe(1_700_000_000_500);
    expect(s.endpoints[0]).toMatchObject({ address: "10.0.0.1:8000", ip: "10.0.0.1", port: 8000 });
  });

  it.each([
    [{ seconds: 1_000_000_000_000_000n, nanos: 0 }, "observedAt.seconds"],
    [{ seconds: 253_402_300_800n, nanos: 0 }, "observedAt.seconds"],
    [{ seconds: -62_135_596_801n, nanos: 0 }, "observedAt.seconds"],
    [{ seconds: 1_700_000_000n, nanos: -5 }, "observedAt.nanos"],
    [{ seconds: 1_700_000_000n, nanos: 2_000_000_000 }, "observedAt.nanos"],
  ])("refuses observedAt %o outside protobuf's Timestamp range, naming %s", (observedAt, field) => {
    const err = refusal({ ...good(), observedAt });
    expect(err.code).toBe("BadRequest");
    expect(err.field).toBe(field);
    expect(err.message).toMatch(/must be between/);
  });

  it("refuses an observedAt more than maxClockSkewMs ahead of the receive time, naming value and limit", () => {
    const ahead = { ...good(), observedAt: { seconds: 1_700_000_007n, nanos: 0 } };
    const err = refusal(ahead);
    expect(err.field).toBe("observedAt");
    expect(err.message).toContain("2023-11-14T22:13:27.000Z is 6000 ms ahead");
    expect(err.message).toContain("at most 5000 ms is allowed (state.maxClockSkewMs)");
    expect(parseSnapshot(ahead, RECEIVED_AT, { maxEndpoints: 10, maxClockSkewMs: 6000 }).observedAt).toBe(
      1_700_000_007_000,
    );
  });

  it("refuses a misspelt metric instead of reading it as 0, naming the field", () => {
    const g = good();
    const metrics = { ...g.endpoints[0]!.metrics, waitingRequestz: 40 };
    const err = refusal({ ...g, endpoints: [{ ...g.endpoints[0]!, metrics }] });
    expect(err.field).toBe("endpoints[0].metrics.waitingRequestz");
    expect(err.message).toContain("is not a known field");
  });

  it.each(["[fd00::\n1]:8000", "[fd00:: 1]:8000", "[fd00::1%eth0]:8000", "[\tfd00::1]:8000"])(
    "refuses %s: only hex digits, ':' and '.' inside IPv6 brackets",
    (address) => {
      const g = good();
      g.endpoints[0]!.address = address;
      const err = refusal(g);
      expect(err.field).toBe("endpoints[0].address");
      expect(err.message).toContain("is not a valid IPv6 address");
    },
  );

  it("refuses an IPv4-mapped IPv6 address that repeats an IPv4 endpoint of the same push", () => {
    const g = good();
    g.endpoints.push({ ...g.endpoints[0]!, address: "[::ffff:10.0.0.1]:8000" });
    const err = refusal(g);
    expect(err.field).toBe("endpoints[1].address");
    expect(err.message).toContain('appears twice in one snapshot (as endpoints[0].address "10.0.0.1:8000")');
    g.endpoints[1]!.address = "[::ffff:10.0.0.2]:8000";
    expect(parseSnapshot(g, RECEIVED_AT).endpoints[1]!.address).toBe("[::ffff:a00:2]:8000");
  });

  it("uses the receive time when observedAt is missing", () => {
    const { observedAt: _, ...rest } = good();
    expect(parseSnapshot(rest, 42).observedAt).toBe(42);
  });

  it("canonicalises IPv6 addresses in brackets", () => {
    const g = good();
    g.endpoints[0]!.address = "[FD00:0:0::1]:8000";
    expect(parseSnapshot(g, RECEIVED_AT).endpoints[0]).toMatchObject({
      address: "[fd00::1]:8000",
      ip: "fd00::1",
    });
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
