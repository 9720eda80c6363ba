import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { parseRegionPush } from "../../src/edge/region-push.js";
import { summary } from "./fixtures.js";

const valid = {
  region: "eu-central",
  baseUrl: "https://eu.example.com/",
  location: { latitude: 50.1, longitude: 8.7, continent: "eu", colos: ["fra"] },
  sequence: 7n,
  observedAt: { seconds: 100n, nanos: 500_000_000 },
  models: [summary("llama")],
};

function refusal(input: unknown): RouterError {
  try {
    parseRegionPush(input, 200_000);
  } catch (err) {
    if (err instanceof RouterError) return err;
    throw err;
  }
  throw new Error("accepted");
}

describe("parseRegionPush", () => {
  it("normalises a valid push: codes upper case, no trailing slash, observedAt in ms", () => {
    const r = parseRegionPush(valid, 100_600);
    expect(r.baseUrl).toBe("https://eu.example.com");
    expect(r.location).toEqual({ latitude: 50.1, longitude: 8.7, continent: "EU", colos: ["FRA"] });
    expect(r.observedAt).toBe(100_500);
    expect(r.receivedAt).toBe(100_600);
    expect(r.draining).toBe(false);
  });

  it.each([
    [{ seconds: 1_000_000_000_000_000n, nanos: 0 }, "observedAt.seconds"],
    [{ seconds: -62_135_596_801n, nanos: 0 }, "observedAt.seconds"],
    [{ seconds: 100n, nanos: -5 }, "observedAt.nanos"],
    [{ seconds: 100n, nanos: 2_000_000_000 }, "observedAt.nanos"],
  ])("refuses observedAt %o outside protobuf's Timestamp range, naming %s", (observedAt, field) => {
    const err = refusal({ ...valid, observedAt });
    expect(err.code).toBe("BadRequest");
    expect(err.field).toBe(field);
    expect(err.message).toMatch(/must be between/);
  });

  it("refuses an observedAt further ahead of the edge's clock than the allowed skew, naming the limit", () => {
    const err = refusal({ ...valid, observedAt: { seconds: 300n, nanos: 0 } });
    expect(err.field).toBe("observedAt");
    expect(err.message).toContain("at most 5000 ms");
    expect(err.message).toContain("state.maxClockSkewMs");
    expect(
      parseRegionPush({ ...valid, observedAt: { seconds: 300n, nanos: 0 } }, 200_000, 100_000).observedAt,
    ).toBe(300_000);
  });

  it("refuses an unknown field in a model summary, naming it", () => {
    const err = refusal({ ...valid, models: [{ ...summary("llama"), queueDepht: 3 }] });
    expect(err.field).toBe("models[0].queueDepht");
    expect(err.message).toContain("is not a known field");
  });

  it("stamps a push without observedAt with its arrival time", () => {
    const { observedAt: _, ...rest } = valid;
    expect(parseRegionPush(rest, 42).observedAt).toBe(42);
  });

  it.each([
    [{ region: "" }, "region"],
    [{ baseUrl: "ftp://x" }, "baseUrl"],
    [{ baseUrl: "https://x/?q=1" }, "baseUrl"],
    [{ sequence: 0n }, "sequence"],
    [{ location: { latitude: 50, continent: "EU", colos: [] } }, "location.latitude"],
    [{ location: { continent: "XX", colos: [] } }, "location.continent"],
    [{ location: { continent: "EU", colos: ["FRANKFURT"] } }, "location.colos[0]"],
    [{ models: [summary("a", { saturation: 1.5 })] }, "models[0].saturation"],
    [{ models: [summary("a"), summary("a")] }, "models[1].model"],
  ])("refuses %o naming %s", (over, field) => {
    const err = refusal({ ...valid, ...over });
    expect(err.code).toBe("BadRequest");
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
  });
});
