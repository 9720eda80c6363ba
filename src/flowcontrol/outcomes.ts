/**
 * Flow control's refusals as upstream answers them (../shared/UPSTREAM.md 2.3): status code, and the
 * reason in `x-llm-d-request-dropped-reason`, which every front door copies onto its answer
 * (RouterError.headers).
 */
import { type ErrorCode, RouterError } from "../core/errors.js";

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
