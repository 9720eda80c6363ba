/**
 * One ext_proc exchange (one HTTP request through Envoy) as a pure state machine: ProcessingRequest
 * in, ProcessingResponses out. Nothing is answered on the request path until the body ends; then one
 * headers reply (the pick) and the body as streamed chunks. The lease taken at the pick is released
 * exactly once: when the response ends, on an error reply, or when the stream closes for any reason.
 */

import { concatBytes } from "../core/bytes.js";
import { RouterError } from "../core/errors.js";
import type {
  HttpBody,
  HttpHeaders,
  ProcessingRequest,
  ProcessingResponse,
} from "../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { settleRequest } from "../metrics/request-metrics.js";
import { apiKindFromPath } from "../openai/api-kind.js";
import { bodyTooLarge } from "../openai/error-body.js";
import { requestIdOf } from "../openai/request-id.js";
import type { RouteDecision } from "../routing/types.js";
import { type BodyHold, bodyBudgetFullMessage } from "../state/body-budget.js";
import type { Lease } from "../state/in-flight.js";
import { type RequestTrace, routerTracing, startRequestTrace } from "../tracing/request-trace.js";
import type { ExtProcContext } from "./context.js";
import { headersFromMap, headerView, setHeader } from "./header-map.js";
import { servedEndpointFrom, subsetHintFrom } from "./metadata.js";
import { type Pick as PickReply, pickReplies } from "./pick-replies.js";
import { errorReply, headersReply, trailersReply } from "./replies.js";
import { ResponseTap } from "./response-tap.js";
import { SessionFlow } from "./session-flow.js";
import { CLIENT_SYSTEM_HEADERS, WENT_INTO_RESPONSE_HEADERS } from "./system-headers.js";

/** Why a session ended. */
export type CloseReason = "end" | "cancel" | "error" | "timeout";

/** The gRPC status a stream that closed for `reason` ends with (llm_d_epp_extproc_streams_total{code}). */
const STREAM_CODES: Record<CloseReason, string> = {
  end: "OK",
  cancel: "Canceled",
  error: "Internal",
  timeout: "DeadlineExceeded",
};

const NONE: ProcessingResponse[] = [];
const NO_HEADERS: ReadonlyMap<string, string> = new Map();
const NO_HIDDEN: readonly string[] = [];

/** What the session keeps of its pick once the replies are out: the model names, for metrics and mapping. */
type Models = Pick<RouteDecision, "clientModel" | "targetModel">;

/**
 * @see ExtProcContext for the dependencies; create sessions through `createExtProcProcessor`. Flow
 * control's held requests and evictions: SessionFlow (session-flow.ts).
 */
export class ExtProcSession extends SessionFlow {
  readonly startedAt: number;
  #finished = false;
  /** The stream's end was counted (close() may come after the exchange finished, or twice). */
  #streamClosed = false;
  /** When the first response body chunk arrived (clock ms), for TTFT; undefined before. */
  #firstByteAt: number | undefined;
  #streaming = false;
  /** The request headers, until the pick is made (nothing reads them after). */
  #headers: ReadonlyMap<string, string> = NO_HEADERS;
  #parts: Uint8Array[] = [];
  #bodyBytes = 0;
  #bodyDone = false;
  /** This request's share of the router-wide body budget, while its body is held. */
  #hold: BodyHold | undefined;
  #requestId = "";
  #subset: string[] | undefined;
  #models: Models | undefined;
  #lease: Lease | undefined;
  #tap: ResponseTap | undefined;
  /** This request's spans; undefined when tracing is off. */
  #trace: RequestTrace | undefined;
  readonly #ctx: ExtProcContext;
  readonly #onClose: (s: ExtProcSession) => void;

  constructor(ctx: ExtProcContext, onClose: (s: ExtProcSession) => void) {
    super();
    this.#ctx = ctx;
    this.#onClose = onClose;
    this.startedAt = ctx.clock.now();
    ctx.metrics?.extProcStreamOpened?.();
  }

  /** True once the exchange is over (response ended, error sent, or closed). */
  override get finished(): boolean {
    return this.#finished;
  }

  /**
   * Handles one message; returns the replies to send, in order (often none). Byte fields of `req` may
   * be views into the transport's read buffer (node:http2 hands out slices of a shared 30-64 KiB
   * buffer), so what the session keeps past this call it copies or drops: one held view pins the whole
   * buffer for as long as the request lasts.
   */
  handle(req: ProcessingRequest): ProcessingResponse[] {
    if (this.#finished) return this.takeUnsent();
    if (this.held) {
      // Held by flow control: what this message answers goes out after the pick, in order.
      this.holdReplies(this.#handle(req));
      return NONE;
    }
    const metrics = this.#ctx.metrics;
    if (metrics?.observeRequestProcessing === undefined) return this.#handle(req);
    // The picker's own overhead per message, split by direction as upstream's two histograms are.
    const t0 = performance.now();
    const out = this.#handle(req);
    const seconds = (performance.now() - t0) / 1000;
    const c = req.request.case;
    if (c === "responseHeaders" || c === "responseBody" || c === "responseTrailers")
      metrics.observeResponseProcessing?.(seconds);
    else metrics.observeRequestProcessing(seconds);
    return out;
  }

  #handle(req: ProcessingRequest): ProcessingResponse[] {
    const r = req.request;
    try {
      switch (r.case) {
        case "requestHeaders":
          return this.#requestHeaders(r.value, req);
        case "requestBody":
          return this.#requestBody(r.value);
        case "requestTrailers":
          return this.#requestTrailers();
        case "responseHeaders":
          return this.#responseHeaders(r.value, req);
        case "responseBody":
          return this.#responseBody(r.value.body, r.value.endOfStream, r.value.endOfStream);
        case "responseTrailers":
          return this.#responseTrailers();
        default:
          return NONE;
      }
    } catch (err) {
      return this.failReplies(RouterError.from(err));
    }
  }

  /** The stream ended: releases the lease and counts the end. Idempotent. */
  close(reason: CloseReason): void {
    if (!this.#streamClosed) {
      this.#streamClosed = true;
      this.#ctx.metrics?.extProcStreamClosed?.(
        STREAM_CODES[reason],
        (this.#ctx.clock.now() - this.startedAt) / 1000,
      );
    }
    if (this.#finished) return;
    // Still queued: out of flow control's queue at once (the promise's handler then sees #finished).
    this.cancelPending();
    this.#trace?.end(
      reason === "end" ? undefined : { code: reason, message: `the ext_proc stream ended (${reason})` },
    );
    this.#finish(false);
    if (reason !== "end" && this.#models) {
      const d = this.#models;
      this.#ctx.metrics?.recordError(
        d.clientModel,
        d.targetModel,
        reason === "timeout" ? "DeadlineExceeded" : "Cancelled",
      );
    }
  }

  #requestHeaders(h: HttpHeaders, req: ProcessingRequest): ProcessingResponse[] {
    this.#headers = headersFromMap(h.headers);
    this.#requestId = requestIdOf(headerView(this.#headers, NO_HIDDEN), this.#ctx.generateId);
    this.#subset = subsetHintFrom(req.metadataContext);
    if (routerTracing.tracer !== undefined) {
      const headers = this.#headers;
      this.#trace = startRequestTrace("ext_proc pick", (n) => headers.get(n), {
        "inference.request_id": this.#requestId,
        "url.path": (headers.get(":path") ?? "").split("?", 1)[0]!,
      });
    }
    if (h.endOfStream) return this.#headersOnly();
    if (this.#ctx.bodyMode === "BUFFERED") return [headersReply("request")];
    return NONE;
  }

  #requestBody(b: HttpBody): ProcessingResponse[] {
    if (this.#bodyDone) return NONE;
    if (b.body.length > 0) {
      this.#bodyBytes += b.body.length;
      if (this.#bodyBytes > this.#ctx.maxBodyBytes) {
        throw bodyTooLarge(this.#bodyBytes, this.#ctx.maxBodyBytes, "RouterConfig spec.limits.maxBodyBytes");
      }
      const budget = this.#ctx.bodyBudget;
      if (budget !== undefined) {
        this.#hold ??= budget.hold();
        if (!this.#hold.take(b.body.length)) {
          throw new RouterError("ServiceUnavailable", bodyBudgetFullMessage(budget, b.body.length));
        }
      }
      // More chunks to come: hold a copy, not a view of the read buffer (see handle()).
      this.#parts.push(b.endOfStream ? b.body : b.body.slice());
    }
    return b.endOfStream ? this.#route(true) : NONE;
  }

  #requestTrailers(): ProcessingResponse[] {
    const out = this.#bodyDone ? [] : this.#route(false);
    if (!this.#finished) out.push(trailersReply("request"));
    return out;
  }

  /** A request without a body (GET /v1/models ...): any ready endpoint (in the subset), no lease; none = 500. */
  #headersOnly(): ProcessingResponse[] {
    this.#bodyDone = true;
    if (this.#subset?.length === 0) {
      throw new RouterError("ServiceUnavailable", "the subset hint is present but lists no endpoint");
    }
    const endpoint = this.#ctx.anyEndpoint(this.#subset);
    if (!endpoint) throw new RouterError("Internal", "no pods available in datastore");
    const pick: PickReply = { destinations: endpoint, requestId: this.#requestId };
    if (this.#trace !== undefined) {
      this.#trace.annotate({ "inference.endpoint": endpoint });
      pick.trace = this.#trace.forwarding(false);
    }
    return pickReplies(pick, this.#ctx.bodyMode, true);
  }

  #route(endOfStream: boolean): ProcessingResponse[] {
    this.#bodyDone = true;
    const body = concatBytes(this.#parts, this.#bodyBytes);
    this.#parts = [];
    const kind = apiKindFromPath(this.#headers.get(":path") ?? "");
    this.#trace?.scheduling();
    const router = this.#ctx.router;
    const input = {
      requestId: this.#requestId,
      headers: headerView(this.#headers, CLIENT_SYSTEM_HEADERS),
      body,
      pool: this.#ctx.pool,
      ...(kind !== undefined && { kind }),
      ...(this.#subset !== undefined && { subset: this.#subset }),
      ...(this.#ctx.maxEndpoints !== undefined && { maxEndpoints: this.#ctx.maxEndpoints }),
    };
    const d = router.admit !== undefined ? router.admit(input) : router.route(input);
    if (d instanceof Promise) {
      this.wait(d, body.length, endOfStream);
      return NONE;
    }
    return this.pickedReplies(d, body.length, endOfStream);
  }

  protected override pickedReplies(
    d: RouteDecision,
    bodyLength: number,
    endOfStream: boolean,
  ): ProcessingResponse[] {
    // Evicted between its dispatch and now: answered, never picked.
    const evictedAlready = this.watchEviction(d.evicted);
    if (evictedAlready !== undefined) return evictedAlready;
    this.#headers = NO_HEADERS;
    // Not the decision itself: its body may be a view of the read buffer, and its endpoints and
    // request are of no use once the pick is sent.
    this.#models = { clientModel: d.clientModel, targetModel: d.targetModel };
    this.#lease = d.lease;
    this.#ctx.metrics?.recordRequest(d.clientModel, d.targetModel, bodyLength);
    const destinations = d.endpoints.map((e) => e.address).join(",");
    const pick: PickReply = {
      destinations,
      requestId: this.#requestId,
      body: d.body,
      bodyChanged: d.bodyChanged,
      ...(d.prefill !== undefined && { prefiller: d.prefill.address }),
    };
    if (this.#trace !== undefined) {
      this.#trace.scheduled(d);
      // Envoy sends the request: its upstream request names the forwarding span as parent.
      pick.trace = this.#trace.forwarding(false);
    }
    const replies = pickReplies(pick, this.#ctx.bodyMode, endOfStream);
    // The body leaves with these replies; a stream may last minutes more without holding it.
    this.#hold?.release();
    return replies;
  }

  #responseHeaders(h: HttpHeaders, req: ProcessingRequest): ProcessingResponse[] {
    const headers = headersFromMap(h.headers);
    const d = this.#models;
    this.#moveLease(servedEndpointFrom(req.metadataContext));
    const status = Number(headers.get(":status") ?? "200");
    this.#trace?.annotate({ "http.response.status_code": status });
    if (d && status >= 400) this.#ctx.metrics?.recordError(d.clientModel, d.targetModel, String(status));
    const mapping = d && { from: d.targetModel, to: d.clientModel };
    const contentType = headers.get("content-type") ?? "";
    this.#streaming = contentType.toLowerCase().includes("text/event-stream");
    this.#tap = new ResponseTap(contentType, mapping, this.#ctx.bodyMode, this.#ctx.maxBodyBytes);
    const out = [
      headersReply("response", { set: [setHeader(WENT_INTO_RESPONSE_HEADERS, "true")], remove: [] }),
    ];
    if (h.endOfStream) this.#finish(true);
    return out;
  }

  #responseBody(body: Uint8Array, last: boolean, endOfStream: boolean): ProcessingResponse[] {
    this.#tap ??= new ResponseTap("", undefined, this.#ctx.bodyMode, this.#ctx.maxBodyBytes);
    if (this.#firstByteAt === undefined && body.length > 0) this.#firstByteAt = this.#ctx.clock.now();
    const out: ProcessingResponse[] = [];
    this.#tap.push(out, body, last, endOfStream);
    if (last) this.#finish(true);
    return out;
  }

  #responseTrailers(): ProcessingResponse[] {
    const out = this.#tap && !this.#finished ? this.#responseBody(new Uint8Array(0), true, false) : [];
    out.push(trailersReply("response"));
    this.#finish(true);
    return out;
  }

  /** Envoy served a fallback endpoint: the count follows the request there. */
  #moveLease(served: string | undefined): void {
    if (this.#lease && served) this.#lease = this.#lease.moveTo(served);
  }

  protected override failReplies(err: RouterError): ProcessingResponse[] {
    const d = this.#models;
    this.#ctx.metrics?.recordError(d?.clientModel ?? "", d?.targetModel ?? "", err.code);
    this.#trace?.end({ code: err.code, message: err.message });
    this.#finish(false);
    return [errorReply(err)];
  }

  #finish(completed: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#parts = [];
    this.#hold?.release();
    settleRequest(this.#lease, this.#ctx.metrics, this.#models, {
      usage: this.#tap?.usage,
      completed: completed
        ? {
            durationSeconds: (this.#ctx.clock.now() - this.startedAt) / 1000,
            responseBytes: this.#tap?.bytes ?? 0,
            streaming: this.#streaming,
            ...(this.#firstByteAt !== undefined && {
              firstByteSeconds: (this.#firstByteAt - this.startedAt) / 1000,
            }),
          }
        : undefined,
    });
    this.#lease = undefined;
    this.#trace?.end();
    this.#trace = undefined;
    this.#onClose(this);
  }
}
