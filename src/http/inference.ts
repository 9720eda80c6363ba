/**
 * One OpenAI inference request (POST /v1/chat/completions and friends) for any HTTP stack: the
 * runtime feeds the request head and body bytes and gives a sink for the answer; this file holds the
 * rules (body limit, request id, routing, errors in OpenAI's shape) and the proxy forwards.
 * src/http/app.ts drives it from a Web Request; runtimes/node from node:http without Web objects.
 */
import { concatBytes } from "../core/bytes.js";
import { RouterError } from "../core/errors.js";
import { type ApiKind, apiKindFromPath, apiPaths } from "../openai/api-kind.js";
import { bodyTooLarge, openAiError } from "../openai/error-body.js";
import { requestIdOf } from "../openai/request-id.js";
import { Deadline, type DeadlineOwner } from "../proxy/deadline.js";
import type { Forwarded, InferenceProxy } from "../proxy/proxy.js";
import type { ClientSink, HeaderRecord, OutHeaders } from "../proxy/upstream.js";
import type { HeaderView } from "../request/headers.js";
import type { ExtendedRequestRouter } from "../routing/request-router.js";
import type { PendingDecision, RouteDecision } from "../routing/types.js";
import { type BodyBudget, type BodyHold, bodyBudgetFullMessage } from "../state/body-budget.js";
import { type RequestTrace, routerTracing, startRequestTrace } from "../tracing/request-trace.js";

/** Inference paths and the OpenAI API each one carries (the one table, src/openai/api-kind.ts). */
export const inferenceRoutes: Readonly<Record<string, ApiKind>> = apiPaths;

/** The API of an inference request line, or undefined when it is not one ("?query" ignored). */
export function inferenceKind(method: string | undefined, url: string | undefined): ApiKind | undefined {
  if (method !== "POST" || url === undefined) return undefined;
  return apiKindFromPath(url);
}

/** Where the HTTP router's body limit is configured (named in the 413's message). */
const BODY_LIMIT_SETTING = "RouterConfig spec.limits.maxBodyBytes";

/** Headers of an answer after which the connection is closed (its request body is still unread). */
const CLOSE: Readonly<Record<string, string>> = { connection: "close" };

/** What the handler needs from the router (shared by every request; read per request). */
export interface InferenceHandlerOptions {
  /** The current request pipeline (config reloads swap it). */
  router: () => ExtendedRequestRouter;
  proxy: InferenceProxy;
  /**
   * Largest request body (bytes; larger is 413) and the time a client has to send it, from its
   * request head (ms; later is 408 and the connection is closed; undefined or 0 = no limit).
   * Mutated in place by reloads.
   */
  limits: { readonly maxBodyBytes: number; readonly bodyReadTimeoutMs?: number };
  /**
   * The router-wide budget of buffered request-body bytes (the core's, shared with the ext_proc
   * picker): a body that would pass it is 503. Without it bodies are only capped one by one.
   */
  bodyBudget?: BodyBudget;
  /**
   * Request headers the core must not see from this front door's clients (lower-case): those of
   * TRUSTABLE_HEADERS that RouterConfig `spec.proxy.trustedHeaders` does not list. Read per request,
   * so a reload may replace `names`. Default: none hidden.
   */
  untrustedHeaders?: { readonly names: readonly string[] };
  /** Observes errors answered before or instead of forwarding (refusals, bad bodies, no endpoint). */
  onError?: (requestId: string, status: number, message: string) => void;
}

/** The request line and headers of one inference request. */
export interface InferenceHead {
  /** Path and query as received. */
  path: string;
  kind: ApiKind;
  /** Lower-case names, as HTTP stacks give them. */
  headers: HeaderRecord;
}

/**
 * A header record read through the core's one-method view; names in `hidden` (lower-case) read as
 * absent, so a client cannot steer the core with a header only a trusted hop may set.
 */
export function headerView(headers: HeaderRecord, hidden: readonly string[] = []): HeaderView {
  return {
    get(name) {
      if (hidden.length > 0 && hidden.includes(name.toLowerCase())) return null;
      const v = headers[name] ?? headers[name.toLowerCase()];
      return v === undefined ? null : typeof v === "string" ? v : v.join(", ");
    },
  };
}

/** The client sink, giving the request's share of the body budget back when the answer ends. */
class ReleasingSink implements ClientSink {
  readonly #sink: ClientSink;
  readonly #hold: BodyHold;

  constructor(sink: ClientSink, hold: BodyHold) {
    this.#sink = sink;
    this.#hold = hold;
  }

  head(status: number, headers: OutHeaders): void {
    this.#sink.head(status, headers);
  }

  write(chunk: Uint8Array): boolean {
    return this.#sink.write(chunk);
  }

  end(chunk?: Uint8Array): void {
    this.#hold.release();
    this.#sink.end(chunk);
  }

  onDrain(resume: () => void): void {
    this.#sink.onDrain(resume);
  }
}

/** The request span of an HTTP-router request (tracing on), child of the client's traceparent. */
function traceOf(head: InferenceHead, view: HeaderView, requestId: string): RequestTrace | undefined {
  const path = head.path.split("?", 1)[0]!;
  return startRequestTrace(`POST ${path}`, (n) => view.get(n), {
    "http.request.method": "POST",
    "url.path": path,
    "inference.request_id": requestId,
  });
}

/** The client sink, ending the request's trace when the answer ends. */
class TracedSink implements ClientSink {
  readonly #sink: ClientSink;
  readonly #trace: RequestTrace;

  constructor(sink: ClientSink, trace: RequestTrace) {
    this.#sink = sink;
    this.#trace = trace;
  }

  head(status: number, headers: OutHeaders): void {
    this.#trace.annotate({ "http.response.status_code": status });
    this.#sink.head(status, headers);
  }

  write(chunk: Uint8Array): boolean {
    return this.#sink.write(chunk);
  }

  end(chunk?: Uint8Array): void {
    this.#trace.end();
    this.#sink.end(chunk);
  }

  onDrain(resume: () => void): void {
    this.#sink.onDrain(resume);
  }
}

/**
 * One request in progress. The runtime calls `data` for each body chunk (false back = refused, stop
 * reading: the answer is already on its way), `end` when the body is complete and `cancel` if the
 * client goes away before the answer ended. A body not complete within `limits.bodyReadTimeoutMs`
 * is answered 408 with `connection: close` (the runtime closes the connection after it). Its bytes
 * count against `bodyBudget` from arrival until the answer ends or the client goes away.
 */
export class InferenceRequest implements DeadlineOwner {
  readonly #o: InferenceHandlerOptions;
  readonly #head: InferenceHead;
  readonly #sink: ClientSink;
  readonly #view: HeaderView;
  readonly #requestId: string;
  readonly #max: number;
  #parts: Uint8Array[] = [];
  #total = 0;
  #refused = false;
  #forwarded: Forwarded | undefined;
  /** The decision flow control holds while the pool is saturated. */
  #pending: PendingDecision | undefined;
  readonly #hold: BodyHold | undefined;
  /** The body read limit, then (handed to the proxy) the first-byte and idle limits: one timer. */
  readonly #deadline = new Deadline();
  #reading = false;
  /** This request's spans; undefined when tracing is off. */
  readonly #trace: RequestTrace | undefined;

  constructor(o: InferenceHandlerOptions, head: InferenceHead, sink: ClientSink) {
    this.#o = o;
    this.#head = head;
    this.#hold = o.bodyBudget?.hold();
    this.#sink = this.#hold === undefined ? sink : new ReleasingSink(sink, this.#hold);
    this.#view = headerView(head.headers, o.untrustedHeaders?.names);
    this.#requestId = requestIdOf(this.#view);
    // Off: one field read; no span, no traceparent parse, no attribute object.
    this.#trace = routerTracing.tracer === undefined ? undefined : traceOf(head, this.#view, this.#requestId);
    this.#max = o.limits.maxBodyBytes;
    const declared = this.#view.get("content-length");
    if (declared !== null && Number(declared) > this.#max)
      this.#refuse(bodyTooLarge(Number(declared), this.#max, BODY_LIMIT_SETTING));
    const timeout = o.limits.bodyReadTimeoutMs ?? 0;
    if (!this.#refused && timeout > 0) {
      this.#reading = true;
      this.#deadline.start(timeout, this);
    }
  }

  data(chunk: Uint8Array): boolean {
    if (this.#refused) return false;
    this.#total += chunk.length;
    if (this.#total > this.#max) {
      this.#refuse(bodyTooLarge(this.#total, this.#max, BODY_LIMIT_SETTING));
      return false;
    }
    if (this.#hold !== undefined && !this.#hold.take(chunk.length)) {
      const budget = this.#o.bodyBudget!;
      this.#refuse(new RouterError("ServiceUnavailable", bodyBudgetFullMessage(budget, chunk.length)));
      return false;
    }
    this.#parts.push(chunk);
    return true;
  }

  /** The body read limit passed: 408, and the runtime closes the connection (`connection: close`). */
  deadlineExpired(): void {
    if (this.#refused || !this.#reading) return;
    const ms = this.#o.limits.bodyReadTimeoutMs;
    const message = `request body: ${this.#total} bytes arrived but the body was not complete within ${ms} ms (RouterConfig spec.limits.bodyReadTimeoutMs)`;
    this.#refuse(new RouterError("RequestTimeout", message), CLOSE);
  }

  end(): void {
    this.#reading = false;
    this.#deadline.clear();
    if (this.#refused) return;
    const body = concatBytes(this.#parts, this.#total);
    this.#parts = [];
    const head = this.#head;
    const trace = this.#trace;
    try {
      trace?.scheduling();
      const router = this.#o.router();
      const input = { requestId: this.#requestId, headers: this.#view, body, kind: head.kind };
      const decision = router.admit !== undefined ? router.admit(input) : router.route(input);
      if (decision instanceof Promise) {
        // Flow control holds it until the pool has room; cancel() takes it out of the queue.
        this.#pending = decision;
        decision.then(
          (d) => {
            this.#pending = undefined;
            if (this.#refused) d.lease?.release();
            else this.#forward(d);
          },
          (err: unknown) => {
            this.#pending = undefined;
            if (!this.#refused) this.#answerError(err);
          },
        );
        return;
      }
      this.#forward(decision);
    } catch (err) {
      this.#answerError(err);
    }
  }

  #forward(decision: RouteDecision): void {
    const head = this.#head;
    const trace = this.#trace;
    try {
      let headers = head.headers;
      let sink = this.#sink;
      if (trace !== undefined) {
        trace.scheduled(decision);
        // The caller's traceparent is replaced: the upstream's parent is this router's forwarding span.
        headers = { ...headers, ...trace.forwarding(true) };
        sink = new TracedSink(sink, trace);
      }
      this.#forwarded = this.#o.proxy.forward(
        decision,
        { path: head.path, method: "POST", headers, deadline: this.#deadline },
        sink,
        (err) => this.#answerError(err),
      );
    } catch (err) {
      this.#answerError(err);
    }
  }

  cancel(): void {
    this.#reading = false;
    this.#deadline.stop();
    this.#refused = true;
    this.#parts = [];
    this.#pending?.cancel();
    this.#forwarded?.cancel();
    this.#hold?.release();
    this.#trace?.end({ code: "Cancelled", message: "the client went away before the answer ended" });
  }

  #refuse(err: RouterError, extra?: Readonly<Record<string, string>>): void {
    this.#reading = false;
    this.#deadline.stop();
    this.#refused = true;
    this.#parts = [];
    this.#answerError(err, extra);
  }

  #answerError(err: unknown, extra?: Readonly<Record<string, string>>): void {
    this.#deadline.stop();
    const a = openAiError(err, this.#requestId);
    this.#o.onError?.(this.#requestId, a.status, a.body);
    if (this.#trace !== undefined) {
      this.#trace.annotate({ "http.response.status_code": a.status });
      const code = err instanceof RouterError ? err.code : "Internal";
      this.#trace.end({ code, message: err instanceof Error ? err.message : String(err) });
    }
    const bytes = new TextEncoder().encode(a.body);
    // A refused body's remainder is left to the runtime to discard (a client still sending it must be
    // able to read the answer: closing now would reset its upload before it sees the 413).
    this.#sink.head(a.status, { ...a.headers, ...extra, "content-length": String(bytes.length) });
    this.#sink.end(bytes);
  }
}
