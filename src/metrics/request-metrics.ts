/**
 * The per-request metrics calls every front door makes (ext_proc session, HTTP proxy), and the one
 * way a request is settled: its in-flight lease released, its usage and its end recorded.
 * RouterMetrics implements the interface; tests pass recorders.
 */
import type { Lease } from "../state/in-flight.js";

/** Token counts a model server reported in a response's `usage`. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** prompt_tokens_details.cached_tokens, when reported. */
  cachedTokens?: number;
}

/** How a completed request ended, for the duration and size histograms. */
export interface CompletedRequest {
  /** From the request's start to its last response byte (seconds). */
  durationSeconds: number;
  /** Response body bytes. */
  responseBytes: number;
  /**
   * From the request's start to the first response byte the client got (seconds), when the front
   * end saw it; for a non-streamed response upstream counts the whole duration.
   */
  firstByteSeconds?: number;
  /** The response was streamed (SSE): labels TTFT and enables TPOT. */
  streaming?: boolean;
  /** completion_tokens, when the usage was read (settleRequest fills it): NTPOT and TPOT need it. */
  outputTokens?: number;
}

/** The ext_proc front end's per-stream and per-message overhead (Envoy's streams to the picker). */
export interface ExtProcStreamMetrics {
  /** A stream opened. */
  extProcStreamOpened(): void;
  /** A stream ended with a gRPC status code name ("OK", "Canceled", "Internal", ...) after `seconds`. */
  extProcStreamClosed(code: string, seconds: number): void;
  /** Time the picker spent on one request-phase message (headers, body chunk), seconds. */
  observeRequestProcessing(seconds: number): void;
  /** Time the picker spent on one response-phase message, seconds. */
  observeResponseProcessing(seconds: number): void;
}

/**
 * The metrics calls of one request, in order: recordRequest, recordError*, recordUsage?, recordRequestEnd.
 * The ext_proc stream hooks are optional: recorders in tests leave them out.
 */
export interface RequestMetrics extends Partial<ExtProcStreamMetrics> {
  recordRequest(model: string, targetModel: string, requestBytes: number): void;
  /** A failure: our ErrorCode name, an upstream HTTP status as text, or "Cancelled". */
  recordError(model: string, targetModel: string, code: string): void;
  recordUsage(model: string, targetModel: string, usage: TokenUsage): void;
  /** The request ended; `completed` is undefined when it did not complete (failed, cancelled). */
  recordRequestEnd(model: string, targetModel: string, completed?: CompletedRequest): void;
}

/** The model names a request is counted under. */
export interface RequestModels {
  clientModel: string;
  targetModel: string;
}

/** What {@link settleRequest} records. */
export interface RequestEnd {
  usage: TokenUsage | undefined;
  /** Set when the request completed. */
  completed: CompletedRequest | undefined;
}

/**
 * Settles one request: releases its lease, then records usage (when any) and the end. Callers call
 * it once per request (they hold the "settled" flag); the lease release is idempotent anyway.
 * `models` undefined = the request never got a pick: only the lease is released.
 *
 * @example
 * settleRequest(lease, metrics, decision, { usage: tap.usage, completed: { durationSeconds: 1.2, responseBytes: 900 } });
 */
export function settleRequest(
  lease: Lease | undefined,
  metrics: RequestMetrics | undefined,
  models: RequestModels | undefined,
  end: RequestEnd,
): void {
  lease?.release();
  if (models === undefined || metrics === undefined) return;
  if (end.usage !== undefined) metrics.recordUsage(models.clientModel, models.targetModel, end.usage);
  const completed =
    end.completed !== undefined && end.usage !== undefined
      ? { ...end.completed, outputTokens: end.usage.completionTokens }
      : end.completed;
  metrics.recordRequestEnd(models.clientModel, models.targetModel, completed);
}
