import { describe, expect, it } from "vitest";
import { defaultRouterConfig } from "../../src/api/router-config.js";
import { EXTPROC_MIN_MESSAGE_BYTES, extProcMessageLimit } from "../../src/extproc/message-limit.js";

const config = (
  maxMessageBytes: number,
  bodyMode: "FULL_DUPLEX_STREAMED" | "BUFFERED",
  maxBodyBytes = 1 << 20,
) => {
  const c = defaultRouterConfig();
  return {
    limits: { ...c.limits, maxMessageBytes, maxBodyBytes },
    extproc: { ...c.extproc, bodyMode },
  };
};

describe("extProcMessageLimit", () => {
  it("is the configured message limit when it is above gRPC's 4 MiB", () => {
    expect(extProcMessageLimit(config(16 << 20, "FULL_DUPLEX_STREAMED"))).toBe(16 << 20);
  });

  it("never goes below 4 MiB, so a small push limit does not break Envoy's messages", () => {
    expect(extProcMessageLimit(config(1 << 20, "FULL_DUPLEX_STREAMED"))).toBe(EXTPROC_MIN_MESSAGE_BYTES);
  });

  it("covers a whole body in one message in BUFFERED mode", () => {
    expect(extProcMessageLimit(config(1 << 20, "BUFFERED", 32 << 20))).toBeGreaterThan(32 << 20);
    expect(extProcMessageLimit(config(1 << 20, "FULL_DUPLEX_STREAMED", 32 << 20))).toBe(4 << 20);
  });
});
