/**
 * The router's metrics under the upstream endpoint picker's current names (llm_d_epp_*), each also
 * rendered under the deprecated name upstream still emits (inference_objective_*, inference_pool_*,
 * inference_extension_*), so dashboards built on either carry over (../shared/UPSTREAM.md 2.4).
 * Front-end neutral: the ext_proc picker, the HTTP router and the edge report through the same
 * record* calls. Also implements the scheduler's SchedulerMetrics hooks.
 */
import type { SchedulerMetrics } from "../scheduling/metrics.js";
import {
  NTPOT_BUCKETS,
  REQUEST_LATENCY_BUCKETS,
  REQUEST_SIZE_BUCKETS,
  RESPONSE_SIZE_BUCKETS,
  TOKEN_BUCKETS,
  TPOT_BUCKETS,
  TTFT_BUCKETS,
} from "./buckets.js";
import type { CounterChild } from "./counter.js";
import { eppFamilies, named } from "./epp-names.js";
import { ExtProcMetrics } from "./extproc-metrics.js";
import type { GaugeChild } from "./gauge.js";
import type { HistogramChild } from "./histogram.js";
import type { MetricOptions } from "./labeled.js";
import { PickerMetrics } from "./picker-metrics.js";
import { PoolGauges, type PoolSource } from "./pool-metrics.js";
import { PushHealthMetrics } from "./push-health-metrics.js";
import { MetricsRegistry } from "./registry.js";
import type {
  CompletedRequest,
  ExtProcStreamMetrics,
  RequestMetrics,
  TokenUsage,
} from "./request-metrics.js";

export type { PoolSource } from "./pool-metrics.js";
export type { ExtProcStreamMetrics, TokenUsage } from "./request-metrics.js";

/** Pushes into the Connect API: accepted ones per source, refused ones by Connect code. */
export interface PushMetrics {
  countPush(pool: string, source: string): void;
  /** A refused push; `code` is the Connect code name ("invalid_argument", "unauthenticated", ...). */
  countRefusedPush(code: string): void;
}

const MODEL = ["model_name", "target_model_name"] as const;

/**
 * One (model, target model) pair's per-request children, each looked up on first use: a request
 * then makes one map lookup instead of one per metric (ten on a JSON answer).
 */
interface RequestSeries {
  requests?: CounterChild;
  requestSizes?: HistogramChild;
  running?: GaugeChild;
  duration?: HistogramChild;
  responseSizes?: HistogramChild;
  inputTokens?: HistogramChild;
  outputTokens?: HistogramChild;
  cachedTokens?: HistogramChild;
  ttftStreamed?: HistogramChild;
  ttftBuffered?: HistogramChild;
  ntpot?: HistogramChild;
  tpot?: HistogramChild;
}

/** Pairs whose series are kept; past it (model names come from clients) each call looks its children up. */
const MAX_CACHED_SERIES = 1000;
/** Model labels fold past 1,000 values into `other` (upstream's cap). */
const CAPPED: MetricOptions = { cappedLabels: ["model_name", "target_model_name"] };

/**
 * @example
 * const metrics = new RouterMetrics();
 * const scheduler = createScheduler({ store, random, metrics, now: () => performance.now() });
 * metrics.recordRequest("llama", "llama-lora", 512);
 */
export class RouterMetrics implements SchedulerMetrics, RequestMetrics, ExtProcStreamMetrics, PushMetrics {
  readonly registry: MetricsRegistry;
  readonly #requests;
  readonly #errors;
  readonly #duration;
  readonly #requestSizes;
  readonly #responseSizes;
  readonly #inputTokens;
  readonly #outputTokens;
  readonly #cachedTokens;
  readonly #running;
  readonly #ttft;
  readonly #tpot;
  readonly #ntpot;
  readonly #picker: PickerMetrics;
  readonly #pool: PoolGauges;
  readonly #extproc: ExtProcMetrics;
  readonly #push: PushHealthMetrics;
  /** By model, then target model (no key string built per call). */
  readonly #series = new Map<string, Map<string, RequestSeries>>();
  #seriesCount = 0;

  constructor(registry: MetricsRegistry = new MetricsRegistry()) {
    const r = registry;
    this.registry = r;
    const { counter, gauge, histogram } = eppFamilies(r);

    this.#requests = counter(
      named(
        "request_total",
        "inference_objective_request_total",
        "Total number of processed requests.",
        CAPPED,
      ),
      MODEL,
    );
    this.#errors = counter(
      named(
        "request_error_total",
        "inference_objective_request_error_total",
        "Total number of request errors.",
        CAPPED,
      ),
      [...MODEL, "error_code"],
    );
    this.#duration = histogram(
      named(
        "request_duration_seconds",
        "inference_objective_request_duration_seconds",
        "End-to-end request latency distribution in seconds.",
        CAPPED,
      ),
      MODEL,
      REQUEST_LATENCY_BUCKETS,
    );
    this.#requestSizes = histogram(
      named(
        "request_size_bytes",
        "inference_objective_request_sizes",
        "Incoming request body size distribution in bytes.",
        CAPPED,
      ),
      MODEL,
      REQUEST_SIZE_BUCKETS,
    );
    this.#responseSizes = histogram(
      named(
        "response_size_bytes",
        "inference_objective_response_sizes",
        "Outgoing response body size distribution in bytes.",
        CAPPED,
      ),
      MODEL,
      RESPONSE_SIZE_BUCKETS,
    );
    this.#inputTokens = histogram(
      named(
        "request_input_tokens",
        "inference_objective_input_tokens",
        "Input token count distribution per request.",
        CAPPED,
      ),
      MODEL,
      TOKEN_BUCKETS,
    );
    this.#outputTokens = histogram(
      named(
        "request_output_tokens",
        "inference_objective_output_tokens",
        "Output token count distribution per request.",
        CAPPED,
      ),
      MODEL,
      TOKEN_BUCKETS,
    );
    this.#cachedTokens = histogram(
      named(
        "request_cached_tokens",
        "inference_objective_prompt_cached_tokens",
        "Distribution of prompt tokens read from cache per request, as reported by the model server in the response.",
        CAPPED,
      ),
      MODEL,
      TOKEN_BUCKETS,
    );
    this.#running = gauge(
      named(
        "request_running",
        "inference_objective_running_requests",
        "Current number of active running requests.",
        { cappedLabels: ["model_name"] },
      ),
      ["model_name"],
    );
    this.#ttft = histogram(
      named(
        "request_ttft_seconds",
        undefined,
        "Time to first token in seconds, measured from request received to first response byte. For non-streaming requests, this equals total request duration.",
        CAPPED,
      ),
      [...MODEL, "streaming"],
      TTFT_BUCKETS,
    );
    this.#tpot = histogram(
      named(
        "request_streaming_tpot_seconds",
        undefined,
        "Average time per output token in seconds for streaming requests, computed as (e2e - TTFT) / (output_tokens - 1).",
        CAPPED,
      ),
      MODEL,
      TPOT_BUCKETS,
    );
    this.#ntpot = histogram(
      named(
        "request_ntpot_seconds",
        "inference_objective_normalized_time_per_output_token_seconds",
        "Normalized time per output token in seconds (end-to-end latency divided by output token count).",
        CAPPED,
      ),
      MODEL,
      NTPOT_BUCKETS,
    );
    this.#pool = new PoolGauges(r);
    this.#picker = new PickerMetrics(r);
    this.#extproc = new ExtProcMetrics(r);
    this.#push = new PushHealthMetrics(r);
  }

  /** A request was routed (picked). Counts it, its size, and one running request for the model. */
  recordRequest(model: string, targetModel: string, requestBytes: number): void {
    const s = this.#seriesOf(model, targetModel);
    if (s.requests === undefined) s.requests = this.#requests.labels(model, targetModel);
    s.requests.inc();
    if (s.requestSizes === undefined) s.requestSizes = this.#requestSizes.labels(model, targetModel);
    s.requestSizes.observe(requestBytes);
    if (s.running === undefined) s.running = this.#running.labels(model);
    s.running.inc();
  }

  /** The pair's cached children (a fresh, uncached record past MAX_CACHED_SERIES pairs). */
  #seriesOf(model: string, targetModel: string): RequestSeries {
    let byTarget = this.#series.get(model);
    let s = byTarget?.get(targetModel);
    if (s !== undefined) return s;
    s = {};
    if (this.#seriesCount < MAX_CACHED_SERIES) {
      if (byTarget === undefined) {
        byTarget = new Map();
        this.#series.set(model, byTarget);
      }
      byTarget.set(targetModel, s);
      this.#seriesCount++;
    }
    return s;
  }

  /** A request failed with an error code (our ErrorCode names, or an HTTP status as text). */
  recordError(model: string, targetModel: string, code: string): void {
    this.#errors.labels(model, targetModel, code).inc();
  }

  /** Token usage read from a response. */
  recordUsage(model: string, targetModel: string, usage: TokenUsage): void {
    const s = this.#seriesOf(model, targetModel);
    if (s.inputTokens === undefined) s.inputTokens = this.#inputTokens.labels(model, targetModel);
    s.inputTokens.observe(usage.promptTokens);
    if (s.outputTokens === undefined) s.outputTokens = this.#outputTokens.labels(model, targetModel);
    s.outputTokens.observe(usage.completionTokens);
    if (usage.cachedTokens !== undefined) {
      if (s.cachedTokens === undefined) s.cachedTokens = this.#cachedTokens.labels(model, targetModel);
      s.cachedTokens.observe(usage.cachedTokens);
    }
  }

  /**
   * A request counted by recordRequest ended. `completed` carries the duration (s), response size
   * (bytes) and, when the front end saw them, the first byte's time and the output tokens (for
   * TTFT, TPOT and NTPOT); leave it out for cancelled or failed streams.
   */
  recordRequestEnd(model: string, targetModel: string, completed?: CompletedRequest): void {
    const s = this.#seriesOf(model, targetModel);
    if (s.running === undefined) s.running = this.#running.labels(model);
    s.running.dec();
    if (!completed) return;
    const seconds = completed.durationSeconds;
    if (s.duration === undefined) s.duration = this.#duration.labels(model, targetModel);
    s.duration.observe(seconds);
    if (s.responseSizes === undefined) s.responseSizes = this.#responseSizes.labels(model, targetModel);
    s.responseSizes.observe(completed.responseBytes);
    const streaming = completed.streaming === true;
    // Upstream: for a non-streamed response the first token arrives with the whole body.
    const ttft = streaming ? completed.firstByteSeconds : seconds;
    if (ttft !== undefined && streaming) {
      if (s.ttftStreamed === undefined) s.ttftStreamed = this.#ttft.labels(model, targetModel, "true");
      s.ttftStreamed.observe(ttft);
    } else if (ttft !== undefined) {
      if (s.ttftBuffered === undefined) s.ttftBuffered = this.#ttft.labels(model, targetModel, "false");
      s.ttftBuffered.observe(ttft);
    }
    const tokens = completed.outputTokens;
    if (tokens === undefined || tokens <= 0) return;
    if (s.ntpot === undefined) s.ntpot = this.#ntpot.labels(model, targetModel);
    s.ntpot.observe(seconds / tokens);
    if (streaming && ttft !== undefined && tokens > 1) {
      if (s.tpot === undefined) s.tpot = this.#tpot.labels(model, targetModel);
      s.tpot.observe((seconds - ttft) / (tokens - 1));
    }
  }

  /**
   * Computes the pool gauges from `source` at every scrape: averages and standard deviations over
   * ready, fresh endpoints; per-endpoint queues and push ages over every endpoint and source.
   */
  watchPools(source: PoolSource): void {
    this.#pool.watch(this.registry, source, this.#push.pushAge);
  }

  observeSchedulerDuration(seconds: number): void {
    this.#picker.observeSchedulerDuration(seconds);
  }

  countSchedulerAttempt(status: "success" | "failure"): void {
    this.#picker.countSchedulerAttempt(status);
  }

  countStaleEndpointPick(pool: string): void {
    this.#picker.countStaleEndpointPick(pool);
  }

  observePluginDuration(
    extensionPoint: string,
    pluginType: string,
    pluginName: string,
    seconds: number,
  ): void {
    this.#picker.observePluginDuration(extensionPoint, pluginType, pluginName, seconds);
  }

  setPrefixIndexSize(entries: number, bytes: number): void {
    this.#picker.setPrefixIndexSize(entries, bytes);
  }

  observePrefixHitRatio(ratio: number): void {
    this.#picker.observePrefixHitRatio(ratio);
  }

  countDisaggDecision(decisionType: string): void {
    this.#picker.countDisaggDecision(decisionType);
  }

  /** One ext_proc connection event (`event`: retired, goaway, error; `code`: the HTTP/2 error code's name). */
  countExtProcConnectionEvent(event: string, code: string): void {
    this.#extproc.countConnectionEvent(event, code);
  }

  extProcStreamOpened(): void {
    this.#extproc.streamOpened();
  }

  extProcStreamClosed(code: string, seconds: number): void {
    this.#extproc.streamClosed(code, seconds);
  }

  observeRequestProcessing(seconds: number): void {
    this.#extproc.requestProcessing.labels().observe(seconds);
  }

  observeResponseProcessing(seconds: number): void {
    this.#extproc.responseProcessing.labels().observe(seconds);
  }

  countPush(pool: string, source: string): void {
    this.#push.pushes.labels(pool, source).inc();
  }

  countRefusedPush(code: string): void {
    this.#push.refusedPushes.labels(code).inc();
  }

  /** An endpoint was ejected (passive health). */
  countOutlierEjection(pool: string): void {
    this.#push.ejections.labels(pool).inc();
  }

  /** Reads the ejected-endpoint counts and the buffered body bytes at every scrape. */
  watchPassiveHealth(source: {
    ejectedCounts(): ReadonlyMap<string, number>;
    readonly bufferedBodyBytes: number;
  }): void {
    this.#push.watch(this.registry, source);
  }

  /** The text exposition (Prometheus 0.0.4). */
  expose(): string {
    return this.registry.expose();
  }
}
