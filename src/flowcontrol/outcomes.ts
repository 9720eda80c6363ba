/**
 * Flow control's refusals as upstream answers them (../shared/UPSTREAM.md 2.3): status code, and the
 * reason in `x-llm-d-request-dropped-reason`, which every front door copies onto its answer
 * (RouterError.headers).
 */
import { type ErrorCode, RouterError } from "../core/errors.js";
import type { QueueOutcome } from "./types.js";

/** Upstream's header naming why a request was dropped. */
export const DROPPED_REASON_HEADER = "x-llm-d-request-dropped-reason";

/** Every reason flow control gives, with its code (HTTP status through the one code table). */
export const DROP_REASONS = {
  "rejected-saturated": "ResourceExhausted",
  "rejected-ttl-expired": "ResourceExhausted",
  "rejected-no-endpoints": "ServiceUnavailable",
  "rejected-context-cancelled": "ServiceUnavailable",
  "rejected-shutting-down": "ServiceUnavailable",
  /** In-flight eviction (enableEviction): the request was sent, then taken back for a higher band. */
  evicted: "ResourceExhausted",
} as const satisfies Record<string, ErrorCode>;
export type DropReason = keyof typeof DROP_REASONS;

/** The error a dropped request is answered with. */
export function droppedError(reason: DropReason, message: string): RouterError {
  return new RouterError(DROP_REASONS[reason], message, undefined, { [DROPPED_REASON_HEADER]: reason });
}

/** The reason header of an error, if flow control dropped the request. */
export function droppedReasonOf(err: unknown): string | undefined {
  return err instanceof RouterError ? err.headers?.[DROPPED_REASON_HEADER] : undefined;
}

/**
 * The answer to a waiting request dropped with `outcome` after `waitedMs` (TTL, client gone, shutdown):
 * the outcome as the metrics count it (a TTL on a pool without endpoints is EvictedNoEndpoints) and
 * the error.
 */
export function droppedAnswer(
  outcome: QueueOutcome,
  pool: string,
  waitedMs: number,
  hasEndpoints: boolean,
): { outcome: QueueOutcome; error: RouterError } {
  const ms = Math.round(waitedMs);
  if (outcome === "EvictedTTL" && hasEndpoints) {
    const message = `request expired in the flow control queue after ${ms} ms (flowControl.defaultRequestTTL)`;
    return { outcome, error: droppedError("rejected-ttl-expired", message) };
  }
  if (outcome === "EvictedTTL") {
    const message = `no endpoint of pool "${pool}" became available within ${ms} ms (flowControl.noEndpointRequestTTL)`;
    return { outcome: "EvictedNoEndpoints", error: droppedError("rejected-no-endpoints", message) };
  }
  if (outcome === "EvictedContextCancelled") {
    const message = "the client went away while the request was queued";
    return { outcome, error: droppedError("rejected-context-cancelled", message) };
  }
  return { outcome, error: droppedError("rejected-shutting-down", "the router is shutting down") };
}
