import { describe, expect, it } from "vitest";
import { servedPool } from "../../src/extproc/served-pool.js";

describe("servedPool", () => {
  it("serves the only configured pool when none is named", () => {
    expect(servedPool(["pool-a"], undefined)).toBe("pool-a");
  });

  it("leaves the pool to each request's model when several are configured and none is named", () => {
    expect(servedPool(["pool-a", "pool-b"], undefined)).toBeUndefined();
    expect(servedPool([], undefined)).toBeUndefined();
  });

  it("serves the named pool", () => {
    expect(servedPool(["pool-a", "pool-b"], "pool-b")).toBe("pool-b");
  });

  it("refuses a named pool that is not configured, listing the configured ones", () => {
    expect(() => servedPool(["pool-a", "pool-b"], "pool-c")).toThrow(
      '--pool-name: "pool-c" is not a configured InferencePool (configured: pool-a, pool-b)',
    );
  });
});
