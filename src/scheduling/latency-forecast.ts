/**
 * A rough latency forecast for one request on one endpoint, from its capacity and its load: what the
 * cost-aware filter compares with the request's SLO, and what explain shows per candidate.
 *
 *   TTFT ≈ (requests waiting + 1) × prompt tokens / prefill rate + one decode step
 *   TPOT ≈ max(one decode step alone, (running + waiting + 1) / decode rate)
 *
 * Waiting requests are assumed to be the size of this one (the router knows no other prompt sizes).
 */
import type { Endpoint } from "../state/types.js";
import type { EndpointCapacity } from "./endpoint-capacity.js";
import type { SchedulingRequest } from "./types.js";

export interface LatencyForecast {
  ttftMs: number;
  tpotMs: number;
}

export function forecastLatency(
  e: Endpoint,
  request: SchedulingRequest,
  c: EndpointCapacity,
): LatencyForecast {
  const waiting = e.metrics.waitingRequests + e.inFlightSincePush.requests;
  const running = e.metrics.runningRequests;
  const prompt = Math.max(1, request.promptTokens);
  const ttftMs = ((waiting + 1) * prompt * 1000) / c.prefillTokensPerSecond + c.decodeStepMs;
  const tpotMs = Math.max(c.decodeStepMs, ((running + waiting + 1) * 1000) / c.decodeTokensPerSecond);
  return { ttftMs, tpotMs };
}
