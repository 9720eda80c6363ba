/**
 * One OpenAI inference request (POST /v1/chat/completions and friends) for any HTTP stack: the
 * runtime feeds the request head and body bytes and gives a sink for the answer; this file holds the
 * rules (body limit, request id, routing, errors in OpenAI's shape) and the proxy forwards.
 * src/http/app.ts drives it from a Web Request; runtimes/node from node:http without Web objects.
 */
import { concatBytes } from "../core/bytes.js";
import type { RouterError } from "../core/errors.js";
import { type ApiKind, apiKindFromPath, apiPaths } from "../openai/api-kind.js";
import { bodyTooLarge, openAiError } from "../openai/error-body.js";
import { requestIdOf } from "../openai/request-id.js";
import type { Forwarded, InferenceProxy } from "../proxy/proxy.js";
import type { ClientSink, HeaderRecord } from "../proxy/upstream.js";
import type { HeaderView } from "../request/headers.js";
import type { ExtendedRequestRouter } from "../routing/request-router.js";

/** Inference paths and the OpenAI API each one carries (the one table, src/openai/api-kind.ts). */
export const inferenceRoutes: Readonly<Record<string, ApiKind>> = apiPaths;

/** The API of an inference request line, or undefined when it is not one ("?query" ignored). */
export function inferenceKind(method: string | undefined, url: string | undefined): ApiKind | undefined {
  if (method !== "POST" || url === undefined) return undefined;
  return apiKindFromPath(url);
}

/** Where the HTTP router's body limit is configured (named in the 413's message). */
const BODY_LIMIT_SETTING = "RouterConfig spec.limits.maxBodyBytes";

/** What the handler needs from the router (shared by every request; read per request). */
export interface InferenceHandlerOptions {
  /** The current request pipeline (config reloads swap it). */
  router: () => ExtendedRequestRouter;
  proxy: InferenceProxy;
  /** Largest request body (bytes); larger is 413. Mutated in place by reloads. */
  limits: { readonly maxBodyBytes: number };
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

/**
 * One request in progress. The runtime calls `data` for each body chunk (false back = refused, stop
 * reading: the answer is already on its way), `end` when the body is complete and `cancel` if the
 * client goes away before the answer ended.
 */
export class InferenceRequest {
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

  constructor(o: InferenceHandlerOptions, head: InferenceHead, sink: ClientSink) {
    this.#o = o;
    this.#head = head;
    this.#sink = sink;
    this.#view = headerView(head.headers, o.untrustedHeaders?.names);
    this.#requestId = requestIdOf(this.#view);
    this.#max = o.limits.maxBodyBytes;
    const declared = this.#view.get("content-length");
    if (declared !== null && Number(declared) > this.#max)
      this.#refuse(bodyTooLarge(Number(declared), this.#max, BODY_LIMIT_SETTING));
  }

  data(chunk: Uint8Array): boolean {
    if (this.#refused) return false;
    this.#total += chunk.length;
    if (this.#total > this.#max) {
      this.#refuse(bodyTooLarge(this.#total, this.#max, BODY_LIMIT_SETTING));
      return false;
    }
    this.#parts.push(chunk);
    return true;
  }

  end(): void {
    if (this.#refused) return;
    const body = concatBytes(this.#parts, this.#total);
    this.#parts = [];
    const head = this.#head;
    try {
      const decision = this.#o.router().route({
        requestId: this.#requestId,
        headers: this.#view,
        body,
        kind: head.kind,
      });
      this.#forwarded = this.#o.proxy.forward(
        decision,
        { path: head.path, method: "POST", headers: head.headers },
        this.#sink,
        (err) => this.#answerError(err),
      );
    } catch (err) {
      this.#answerError(err);
    }
  }

  cancel(): void {
    this.#refused = true;
    this.#forwarded?.cancel();
  }

  #refuse(err: RouterError): void {
    this.#refused = true;
    this.#parts = [];
    this.#answerError(err);
  }

  #answerError(err: unknown): void {
    const a = openAiError(err, this.#requestId);
    this.#o.onError?.(this.#requestId, a.status, a.body);
    const bytes = new TextEncoder().encode(a.body);
    // A refused body's remainder is left to the runtime to discard (a client still sending it must be
    // able to read the answer: closing now would reset its upload before it sees the 413).
    this.#sink.head(a.status, { ...a.headers, "content-length": String(bytes.length) });
    this.#sink.end(bytes);
  }
}
