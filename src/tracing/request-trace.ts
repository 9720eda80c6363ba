/**
 * The spans of one routed request, for every front door: a request span (child of the caller's
 * `traceparent`) with three phases under it: admission (the body arriving within the limits and the
 * body budget), scheduling (resolve, shed, pick; with the chosen endpoint, profile, pool and model)
 * and forwarding (until the answer ends; the next hop's `traceparent` names this span).
 *
 * Off unless a runtime sets {@link routerTracing}.tracer: front doors test that one field and make
 * no span, parse no header and allocate nothing more when it is undefined.
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { RouteDecision } from "../routing/types.js";
import { parseTraceparent, TRACEPARENT_HEADER, TRACESTATE_HEADER, traceHeaders } from "./trace-context.js";

/**
 * The process's tracer, set by the runtime when RouterConfig `spec.tracing.otlpEndpoint` is set
 * (runtimes/node/tracing.ts); undefined = tracing off. One per process, as the router core is.
 */
export const routerTracing: { tracer: Tracer | undefined } = { tracer: undefined };

/** Span names, one per phase (stable: dashboards and tests query them). */
export const SPAN_NAMES = {
  admission: "admission",
  scheduling: "scheduling",
  forwarding: "forwarding",
} as const;

/** Attribute names set on the scheduling span (and the request span). */
export const TRACE_ATTRIBUTES = {
  requestId: "inference.request_id",
  pool: "inference.pool",
  endpoint: "inference.endpoint",
  fallbacks: "inference.fallbacks",
  profile: "inference.profile",
  /** The model the client asked for (OpenTelemetry's GenAI convention). */
  model: "gen_ai.request.model",
  targetModel: "inference.target_model",
  errorCode: "inference.error_code",
} as const;

type Phase = keyof typeof SPAN_NAMES;

/** Reads one request header (lower-case name); null or undefined when absent. */
export type HeaderGet = (name: string) => string | null | undefined;

/** The spans of one request; every method is safe to call in any order and more than once. */
export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  #phase: Span | undefined;
  #phaseName: Phase | undefined;
  #ended = false;

  /**
   * Starts the request span (SERVER) as a child of the `traceparent` `header` reads (a new trace
   * when there is none or it is malformed), and its admission phase.
   */
  constructor(tracer: Tracer, name: string, header: HeaderGet, attributes: Attributes = {}) {
    this.#tracer = tracer;
    const parent = parseTraceparent(header(TRACEPARENT_HEADER), header(TRACESTATE_HEADER));
    const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    this.#span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parentContext);
    this.#context = trace.setSpan(parentContext, this.#span);
    this.#start("admission");
  }

  /** Admission is over: the scheduling phase starts. */
  scheduling(): void {
    this.#start("scheduling");
  }

  /** The pick: its attributes go on the scheduling span and the request span. */
  scheduled(d: RouteDecision): void {
    const attributes: Attributes = {
      [TRACE_ATTRIBUTES.requestId]: d.requestId,
      [TRACE_ATTRIBUTES.pool]: d.pool,
      [TRACE_ATTRIBUTES.model]: d.clientModel,
      [TRACE_ATTRIBUTES.targetModel]: d.targetModel,
    };
    const primary = d.endpoints[0];
    if (primary !== undefined) attributes[TRACE_ATTRIBUTES.endpoint] = primary.address;
    if (d.endpoints.length > 1)
      attributes[TRACE_ATTRIBUTES.fallbacks] = d.endpoints.slice(1).map((e) => e.address);
    if (d.profile !== undefined) attributes[TRACE_ATTRIBUTES.profile] = d.profile;
    this.#phase?.setAttributes(attributes);
    this.#span.setAttributes(attributes);
  }

  /**
   * The forwarding phase starts (kind: CLIENT when this process sends the request, INTERNAL when a
   * proxy in front of it does); returns the headers that make the next hop its child.
   */
  forwarding(sentHere: boolean): Record<string, string> {
    this.#start("forwarding", sentHere ? SpanKind.CLIENT : SpanKind.INTERNAL);
    return traceHeaders((this.#phase ?? this.#span).spanContext());
  }

  /** The headers that make the next hop a child of the request span (no phase of its own). */
  childHeaders(): Record<string, string> {
    return traceHeaders(this.#span.spanContext());
  }

  /** Sets attributes on the request span (the response status, say). */
  annotate(attributes: Attributes): void {
    if (!this.#ended) this.#span.setAttributes(attributes);
  }

  /**
   * Ends the open phase and the request span; with `error` (a RouterError's code and message, or a
   * reason such as "cancelled") both are marked failed.
   */
  end(error?: { code: string; message: string }): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) {
      const status = { code: SpanStatusCode.ERROR, message: error.message };
      this.#phase?.setStatus(status);
      this.#phase?.setAttribute(TRACE_ATTRIBUTES.errorCode, error.code);
      this.#span.setStatus(status);
      this.#span.setAttribute(TRACE_ATTRIBUTES.errorCode, error.code);
    }
    this.#phase?.end();
    this.#phase = undefined;
    this.#span.end();
  }

  #start(name: Phase, kind: SpanKind = SpanKind.INTERNAL): void {
    if (this.#ended || this.#phaseName === name) return;
    this.#phase?.end();
    this.#phaseName = name;
    this.#phase = this.#tracer.startSpan(SPAN_NAMES[name], { kind }, this.#context);
  }
}

/** A RequestTrace when tracing is on, else undefined (nothing made, no header read). */
export function startRequestTrace(
  name: string,
  header: HeaderGet,
  attributes?: Attributes,
): RequestTrace | undefined {
  const tracer = routerTracing.tracer;
  return tracer === undefined ? undefined : new RequestTrace(tracer, name, header, attributes);
}
