/**
 * One forwarded request, from the pick to the last byte the client gets, as a small state machine
 * driven by transport events (src/proxy/upstream.ts): failover before the first response byte,
 * streamed SSE or buffered JSON on the way back, usage tapped, the model mapped back, and the lease
 * and metrics settled exactly once on every path (completed, failed, timed out, client gone). What it
 * needs from the proxy and the client: exchange-context.ts.
 */
import { concatBytes } from "../core/bytes.js";
import { type ErrorCode, RouterError } from "../core/errors.js";
import { settleRequest } from "../metrics/request-metrics.js";
import { SseUsageTap } from "../openai/sse-usage-tap.js";
import { type ModelMapping, tapJsonResponse } from "../openai/usage-tap.js";
import type { RouteDecision } from "../routing/types.js";
import { PREFILLER_HOST_PORT_HEADER } from "../scheduling/disagg-headers.js";
import type { Lease } from "../state/in-flight.js";
import type { Endpoint } from "../state/types.js";
import { Deadline, type DeadlineOwner } from "./deadline.js";
import type { ClientRequestHead, ExchangeContext, OnFail } from "./exchange-context.js";
import { connectionFailure, isRetryableStatus } from "./forward-policy.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "./forwarded-headers.js";
import { eventBoundaryAfter, sseErrorEvent } from "./sse-error-event.js";
import type { StreamOutcome } from "./stream-outcome.js";
import type { ClientSink, HeaderRecord, OutHeaders, UpstreamCall, UpstreamEvents } from "./upstream.js";

/** Placeholder until the response head (no object made per request for it). */
const NO_HEADERS: OutHeaders = Object.freeze({}) as OutHeaders;

const WAITING = 0;
const STREAMING = 1;
const BUFFERING = 2;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code ?? cause?.message ?? error.message;
}

function attempts(n: number): string {
  return `${n} attempt${n === 1 ? "" : "s"}`;
}

/** One request in flight; the proxy's events handler for its current upstream call. */
export class Exchange implements UpstreamEvents, DeadlineOwner {
  readonly #c: ExchangeContext;
  readonly #d: RouteDecision;
  readonly #client: ClientRequestHead;
  readonly #sink: ClientSink;
  readonly #onFail: OnFail;
  readonly #headers: Record<string, string>;
  readonly #limit: number;
  readonly #started: number;
  /** When the first streamed byte went to the client (for TTFT); undefined before, and when buffered. */
  #firstByteAt: number | undefined;
  /** The endpoint of the current attempt. */
  #endpoint: Endpoint;
  /** Next index into the decision's list to consider. */
  #listed = 1;
  /** Addresses tried, in order (the current one last). */
  readonly #tried: string[] = [];
  /** What each failed attempt found ("ip:port: connection refused"). */
  #failures: string[] | undefined;
  #lease: Lease | undefined;
  #call: UpstreamCall | undefined;
  /** The first-byte limit while WAITING, then the idle limit (one timer for both). */
  readonly #deadline: Deadline;
  #mode = WAITING;
  #settled = false;
  #status = 0;
  /** The client's response headers, set with the response head. */
  #out: OutHeaders = NO_HEADERS;
  #parts: Uint8Array[] = [];
  #total = 0;
  #tap: SseUsageTap | undefined;
  #bytes = 0;
  #secondLast = -1;
  #last = -1;
  /** Waiting for the client to drain (one drain callback at a time). */
  #paused = false;

  constructor(
    c: ExchangeContext,
    d: RouteDecision,
    client: ClientRequestHead,
    sink: ClientSink,
    onFail: OnFail,
  ) {
    this.#c = c;
    this.#d = d;
    this.#client = client;
    this.#sink = sink;
    this.#onFail = onFail;
    this.#deadline = client.deadline ?? new Deadline();
    this.#headers = upstreamRequestHeaders(client.headers, d.requestId);
    if (d.prefill !== undefined) this.#headers[PREFILLER_HOST_PORT_HEADER] = d.prefill.address;
    this.#limit = c.options.maxAttempts;
    this.#lease = d.lease;
    this.#started = c.now();
    this.#endpoint = d.endpoints[0]!;
    c.metrics?.recordRequest(d.clientModel, d.targetModel, d.body.length);
    const evicted = d.evicted;
    // Evicted between its dispatch and now: answered, never sent.
    if (evicted?.aborted) this.#evicted(RouterError.from(evicted.reason));
    else {
      evicted?.addEventListener("abort", () => this.#evicted(RouterError.from(evicted.reason)), {
        once: true,
      });
      this.#attempt(this.#endpoint);
    }
  }

  /**
   * Flow control evicted the request in flight: the upstream call is aborted; the client gets the
   * error (429, `x-llm-d-request-dropped-reason: evicted`), or an SSE error event once streaming.
   */
  #evicted(err: RouterError): void {
    if (this.#settled) return;
    this.#deadline.clear();
    this.#call?.abort();
    if (this.#mode === STREAMING) {
      this.#breakStream(err.code, err.message);
      return;
    }
    this.#settle({
      status: "failed",
      responseBytes: 0,
      usage: undefined,
      error: { code: err.code, message: err.message },
    });
    this.#onFail(err);
  }

  /** The client went away: give the upstream up and settle as cancelled (nothing more is written). */
  cancel(): void {
    if (this.#settled) return;
    this.#call?.abort();
    this.#settle({ status: "cancelled", responseBytes: this.#bytes, usage: this.#tap?.usage });
  }

  /**
   * The endpoint for the next attempt, or undefined when none may be made: attempts used up, or no
   * endpoint left (the listed fallbacks minus ejected ones, then any other the core offers).
   */
  #next(): Endpoint | undefined {
    if (this.#tried.length >= this.#limit) return undefined;
    const d = this.#d;
    const health = this.#c.health;
    while (this.#listed < d.endpoints.length) {
      const e = d.endpoints[this.#listed++]!;
      // Ejected since the pick (this request's or another's failure): not worth an attempt.
      if (health?.isEjected(e) === true || this.#tried.includes(e.address)) continue;
      return e;
    }
    return health?.next(d.pool, d.targetModel, this.#tried);
  }

  #attempt(endpoint: Endpoint): void {
    const d = this.#d;
    if (this.#tried.length > 0) {
      // The count follows the request: taken at the next endpoint, then given back at this one.
      this.#lease =
        this.#lease !== undefined
          ? this.#lease.moveTo(endpoint.address)
          : this.#c.acquire(d.pool, endpoint.address, d.promptTokens + d.maxTokens);
    }
    this.#endpoint = endpoint;
    this.#tried.push(endpoint.address);
    const o = this.#c.options;
    this.#deadline.start(o.firstByteTimeoutMs, this);
    this.#call = this.#c.transport(
      {
        address: endpoint.address,
        path: this.#client.path,
        method: this.#client.method,
        headers: this.#headers,
        body: d.body,
        connectTimeoutMs: o.connectTimeoutMs,
      },
      this,
    );
  }

  /** Records what a failed attempt found (for the 502's message). */
  #noteFailure(what: string): void {
    if (this.#failures === undefined) this.#failures = [what];
    else this.#failures.push(what);
  }

  #address(): string {
    return this.#endpoint.address;
  }

  head(status: number, headers: HeaderRecord): void {
    if (this.#settled) return;
    const address = this.#address();
    this.#c.health?.succeeded(this.#d.pool, address);
    if (isRetryableStatus(status)) {
      const next = this.#next();
      if (next !== undefined) {
        // Nothing reached the client yet: drop this answer and try the next endpoint.
        this.#noteFailure(`${address}: answered ${status}`);
        this.#call?.abort();
        this.#attempt(next);
        return;
      }
    }
    this.#status = status;
    this.#out = clientResponseHeaders(headers, this.#d.requestId, address, this.#tried.length);
    this.#deadline.idle(this.#c.options.idleTimeoutMs, this);
    const type = headers["content-type"];
    const sse = typeof type === "string" && type.startsWith("text/event-stream");
    if (status >= 200 && status < 300 && sse) {
      this.#mode = STREAMING;
      this.#tap = new SseUsageTap(this.#mapping());
      this.#sink.head(status, this.#out);
    } else {
      this.#mode = BUFFERING;
    }
  }

  data(chunk: Uint8Array): void {
    if (this.#settled) return;
    this.#deadline.touch();
    if (this.#mode === STREAMING) {
      this.#firstByteAt ??= this.#c.now();
      this.#send(this.#tap!.push(chunk));
    } else {
      this.#parts.push(chunk);
      this.#total += chunk.length;
    }
  }

  end(): void {
    if (this.#settled) return;
    if (this.#mode === STREAMING) {
      const tail = this.#tap!.end();
      this.#count(tail);
      this.#settle({ status: "completed", responseBytes: this.#bytes, usage: this.#tap!.usage });
      this.#sink.end(tail.length > 0 ? tail : undefined);
      return;
    }
    const d = this.#d;
    const tapped = tapJsonResponse(concatBytes(this.#parts, this.#total), this.#mapping());
    const ok = this.#status >= 200 && this.#status < 300;
    // The engine's own error (4xx, or a 5xx/429 on the last attempt) reaches the client as it is.
    if (!ok) this.#c.metrics?.recordError(d.clientModel, d.targetModel, String(this.#status));
    this.#out["content-length"] = String(tapped.body.length);
    this.#settle({
      status: ok ? "completed" : "failed",
      responseBytes: tapped.body.length,
      usage: tapped.usage,
    });
    this.#sink.head(this.#status, this.#out);
    this.#sink.end(tapped.body);
  }

  error(cause: unknown): void {
    if (this.#settled) return;
    const failure = connectionFailure(cause);
    // Refused, reset, unreachable: every later pick skips the endpoint for a while.
    if (failure !== undefined) this.#c.health?.failed(this.#d.pool, this.#address());
    const why = failure ?? describe(cause);
    if (this.#mode === WAITING) {
      this.#noteFailure(`${this.#address()}: ${why}`);
      const next = this.#next();
      if (next !== undefined) this.#attempt(next);
      else {
        const n = this.#tried.length;
        const left = n < this.#limit ? ` (no other endpoint left to try of ${this.#limit})` : "";
        this.#fail(
          "BadGateway",
          `no endpoint could be reached after ${attempts(n)}${left}: ${this.#failures?.join(", ")}`,
        );
      }
      return;
    }
    if (this.#mode === STREAMING) this.#breakStream("BadGateway", `the upstream stream broke: ${why}`);
    else this.#fail("BadGateway", `the upstream response broke: ${why}`);
  }

  /** The first-byte or the idle limit passed. */
  deadlineExpired(): void {
    if (this.#mode === WAITING) this.#firstByteTimedOut();
    else this.#idled();
  }

  /** No response head in time: not retried (the engine may be working on it). */
  #firstByteTimedOut(): void {
    if (this.#settled) return;
    this.#call?.abort();
    this.#fail(
      "DeadlineExceeded",
      `${this.#address()} sent no response within ${this.#c.options.firstByteTimeoutMs} ms (proxy.firstByteTimeoutMs)`,
    );
  }

  #idled(): void {
    if (this.#settled) return;
    this.#call?.abort();
    const message = `the upstream sent nothing for ${this.#c.options.idleTimeoutMs} ms (proxy.idleTimeoutMs)`;
    if (this.#mode === STREAMING) this.#breakStream("DeadlineExceeded", message);
    else this.#fail("DeadlineExceeded", message);
  }

  #mapping(): ModelMapping {
    return { from: this.#d.targetModel, to: this.#d.clientModel };
  }

  #count(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#bytes += chunk.length;
    this.#secondLast = chunk.length >= 2 ? chunk[chunk.length - 2]! : this.#last;
    this.#last = chunk[chunk.length - 1]!;
  }

  #send(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#count(chunk);
    if (!this.#sink.write(chunk) && !this.#paused) {
      this.#paused = true;
      this.#call?.pause();
      this.#sink.onDrain(() => {
        this.#paused = false;
        this.#call?.resume();
      });
    }
  }

  /** A stream that already reached the client ends with an SSE error event, then closes. */
  #breakStream(code: ErrorCode, message: string): void {
    this.#call?.abort();
    const event = sseErrorEvent(code, message, eventBoundaryAfter(this.#secondLast, this.#last));
    this.#count(event);
    this.#settle({
      status: "failed",
      responseBytes: this.#bytes,
      usage: this.#tap?.usage,
      error: { code, message },
    });
    this.#sink.end(event);
  }

  #fail(code: ErrorCode, message: string): void {
    this.#settle({ status: "failed", responseBytes: 0, usage: undefined, error: { code, message } });
    this.#onFail(new RouterError(code, message));
  }

  #settle(outcome: StreamOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.stop();
    const d = this.#d;
    if (outcome.error) this.#c.metrics?.recordError(d.clientModel, d.targetModel, outcome.error.code);
    settleRequest(this.#lease, this.#c.metrics, d, {
      usage: outcome.usage,
      completed:
        outcome.status === "completed"
          ? {
              durationSeconds: (this.#c.now() - this.#started) / 1000,
              responseBytes: outcome.responseBytes,
              streaming: this.#mode === STREAMING,
              ...(this.#firstByteAt !== undefined && {
                firstByteSeconds: (this.#firstByteAt - this.#started) / 1000,
              }),
            }
          : undefined,
    });
    const onOutcome = this.#c.onOutcome;
    if (onOutcome === undefined) return;
    const endpoint = this.#mode === WAITING ? undefined : this.#address();
    onOutcome(d, endpoint === undefined ? outcome : { ...outcome, endpoint });
  }
}
