/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` and `tracestate`
 * headers read from a request and written on the hop after the router. Written here rather than
 * taken from @opentelemetry/core because src/ depends on @opentelemetry/api only (runtime-agnostic).
 */
import { createTraceState, type SpanContext, TraceFlags } from "@opentelemetry/api";

/** The W3C request header carrying the caller's trace and span ids. */
export const TRACEPARENT_HEADER = "traceparent";
/** The W3C request header carrying vendor trace state, passed on with `traceparent`. */
export const TRACESTATE_HEADER = "tracestate";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "00000000000000000000000000000000";
const ZERO_SPAN = "0000000000000000";

/**
 * The remote parent a `traceparent` value names, or undefined when it is absent or malformed (the
 * spec says to start a new trace then). Version 00 must be exactly four fields; a later version may
 * add fields after them; version ff is invalid.
 */
export function parseTraceparent(
  traceparent: string | null | undefined,
  tracestate?: string | null,
): SpanContext | undefined {
  if (!traceparent) return undefined;
  const m = TRACEPARENT.exec(traceparent.trim());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const context: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (tracestate) context.traceState = createTraceState(tracestate);
  return context;
}

/** The `traceparent` (and `tracestate`, when there is one) that make the next hop a child of `span`. */
export function traceHeaders(span: SpanContext): Record<string, string> {
  const flags = (span.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, "0");
  const out: Record<string, string> = {
    [TRACEPARENT_HEADER]: `00-${span.traceId}-${span.spanId}-${flags}`,
  };
  const state = span.traceState?.serialize();
  if (state) out[TRACESTATE_HEADER] = state;
  return out;
}
