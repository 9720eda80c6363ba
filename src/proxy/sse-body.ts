/**
 * The client-side body of a streamed (SSE) answer: chunks pass through as they arrive (pull-based,
 * so the client's pace is the upstream's), usage is tapped and the model mapped back on the way; an
 * upstream break or idle gap ends the stream with an SSE error event; a client cancel aborts upstream.
 */
import { SseUsageTap } from "../request/sse-usage-tap.js";
import type { ModelMapping } from "../request/usage-tap.js";
import { IdleTimer } from "./idle-timer.js";
import { eventBoundaryAfter, sseErrorEvent } from "./sse-error-event.js";
import type { OnOutcome } from "./stream-outcome.js";

/** Inputs of {@link sseBody}. */
export interface SseBodyOptions {
  upstream: ReadableStream<Uint8Array>;
  mapping: ModelMapping | undefined;
  idleTimeoutMs: number;
  /** Aborts the upstream request. */
  abort: (reason?: unknown) => void;
  onOutcome: OnOutcome;
}

/** Wraps an upstream SSE body for the client. */
export function sseBody(o: SseBodyOptions): ReadableStream<Uint8Array> {
  const reader = o.upstream.getReader();
  const tap = new SseUsageTap(o.mapping);
  let bytes = 0;
  let secondLast = -1;
  let last = -1;
  let ended = false;
  let idled = false;
  const idle = new IdleTimer(o.idleTimeoutMs, () => {
    idled = true;
    o.abort(new Error("idle timeout"));
    reader.cancel().catch(() => {});
  });
  const finish = (outcome: Parameters<OnOutcome>[0]) => {
    if (ended) return;
    ended = true;
    idle.stop();
    o.onOutcome(outcome);
  };
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array) => {
    if (chunk.length === 0) return;
    bytes += chunk.length;
    if (chunk.length >= 2) secondLast = chunk[chunk.length - 2]!;
    else secondLast = last;
    last = chunk[chunk.length - 1]!;
    controller.enqueue(chunk);
  };
  return new ReadableStream<Uint8Array>(
    {
      start() {
        idle.start();
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (ended) return;
          if (!done) {
            idle.touch();
            send(controller, tap.push(value));
            return;
          }
          if (idled) throw new Error("idle");
          send(controller, tap.end());
          controller.close();
          finish({ status: "completed", responseBytes: bytes, usage: tap.usage });
        } catch (err) {
          if (ended) return;
          const message = idled
            ? `the upstream sent nothing for ${o.idleTimeoutMs} ms (proxy.idleTimeoutMs)`
            : `the upstream stream broke: ${err instanceof Error ? err.message : String(err)}`;
          const code = idled ? "DeadlineExceeded" : "BadGateway";
          o.abort(err);
          send(controller, sseErrorEvent(code, message, eventBoundaryAfter(secondLast, last)));
          controller.close();
          finish({ status: "failed", responseBytes: bytes, usage: tap.usage, error: { code, message } });
        }
      },
      cancel(reason) {
        o.abort(reason);
        reader.cancel(reason).catch(() => {});
        finish({ status: "cancelled", responseBytes: bytes, usage: tap.usage });
      },
    },
    { highWaterMark: 0 },
  );
}
