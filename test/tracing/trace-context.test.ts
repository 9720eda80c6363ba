import { TraceFlags } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { parseTraceparent, traceHeaders } from "../../src/tracing/trace-context.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

describe("parseTraceparent", () => {
  it("reads a version-00 traceparent as a sampled remote parent, with its tracestate", () => {
    const c = parseTraceparent(`00-${TRACE}-${SPAN}-01`, "a=1,b=2");
    expect(c).toMatchObject({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(c?.traceState?.get("b")).toBe("2");
  });

  it("keeps an unsampled flag unsampled", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it("accepts a later version with extra fields, as the spec asks", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)?.traceId).toBe(TRACE);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["version 00 with a fifth field", `00-${TRACE}-${SPAN}-01-x`],
    ["a short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
  ])("starts a new trace (undefined) for a traceparent that is %s", (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe("traceHeaders", () => {
  it("writes what parseTraceparent reads, tracestate included", () => {
    const parsed = parseTraceparent(`00-${TRACE}-${SPAN}-01`, "vendor=x")!;
    expect(traceHeaders(parsed)).toEqual({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "vendor=x" });
  });

  it("leaves tracestate out when there is none", () => {
    expect(Object.keys(traceHeaders(parseTraceparent(`00-${TRACE}-${SPAN}-00`)!))).toEqual(["traceparent"]);
  });
});
