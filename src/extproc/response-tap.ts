/**
 * The response direction of one exchange: SSE bodies pass through chunk by chunk, anything else is
 * buffered to end_of_stream (up to a limit, then passed through), usage is read and the model name
 * mapped back to the client's. Builds the body replies for FULL_DUPLEX_STREAMED and BUFFERED modes.
 */

import { concatBytes } from "../core/bytes.js";
import type { ProcessingResponse } from "../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { SseUsageTap } from "../openai/sse-usage-tap.js";
import { type ModelMapping, tapJsonResponse, type Usage } from "../openai/usage-tap.js";
import { bufferedBodyReply, pushChunks } from "./replies.js";

/** How Envoy sends bodies: upstream's picker uses FULL_DUPLEX_STREAMED; BUFFERED sends one chunk. */
export type BodyMode = "FULL_DUPLEX_STREAMED" | "BUFFERED";

/** Reads and rewrites one response body. */
export class ResponseTap {
  /** Bytes received from the model server. */
  bytes = 0;
  readonly #mapping: ModelMapping | undefined;
  readonly #maxBuffered: number;
  readonly #mode: BodyMode;
  #sse: SseUsageTap | undefined;
  #parts: Uint8Array[] = [];
  #buffered = 0;
  #passThrough = false;
  #usage: Usage | undefined;

  constructor(contentType: string, mapping: ModelMapping | undefined, mode: BodyMode, maxBuffered: number) {
    this.#mapping = mapping;
    this.#mode = mode;
    this.#maxBuffered = maxBuffered;
    if (contentType.toLowerCase().includes("text/event-stream")) this.#sse = new SseUsageTap(mapping);
  }

  /** Usage found so far. */
  get usage(): Usage | undefined {
    return this.#sse?.usage ?? this.#usage;
  }

  /** Handles one body chunk; appends the replies. `last` = end of body (end_of_stream or trailers follow). */
  push(out: ProcessingResponse[], chunk: Uint8Array, last: boolean, endOfStream: boolean): void {
    this.bytes += chunk.length;
    const sse = this.#sse;
    if (sse) {
      let bytes = sse.push(chunk);
      if (last) {
        const tail = sse.end();
        if (tail.length > 0) bytes = concatBytes([bytes, tail], bytes.length + tail.length);
      }
      if (this.#mode === "BUFFERED")
        out.push(bufferedBodyReply("response", bytes === chunk ? undefined : bytes));
      else if (bytes.length > 0 || last) pushChunks(out, "response", bytes, endOfStream);
      return;
    }
    if (this.#passThrough) {
      pushChunks(out, "response", chunk, endOfStream);
      return;
    }
    // Held until the body ends: a copy, not a view of the transport's read buffer (ExtProcSession.handle).
    this.#parts.push(last ? chunk : chunk.slice());
    this.#buffered += chunk.length;
    if (!last && this.#buffered > this.#maxBuffered) {
      // Too large to rewrite: send what we hold and stop buffering (no usage from this body).
      this.#passThrough = true;
      pushChunks(out, "response", this.#take(), false);
      return;
    }
    if (!last) return;
    const whole = this.#take();
    const tapped = tapJsonResponse(whole, this.#mapping);
    if (tapped.usage) this.#usage = tapped.usage;
    if (this.#mode === "BUFFERED")
      out.push(bufferedBodyReply("response", tapped.changed ? tapped.body : undefined));
    else pushChunks(out, "response", tapped.body, endOfStream);
  }

  #take(): Uint8Array {
    const body = concatBytes(this.#parts, this.#buffered);
    this.#parts = [];
    this.#buffered = 0;
    return body;
  }
}
