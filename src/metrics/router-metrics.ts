/**
 * The router's metrics under the upstream endpoint picker's current names (llm_d_epp_*), each also
 * rendered under the deprecated name upstream still emits (inference_objective_*, inference_pool_*,
 * inference_extension_*), so dashboards built on either carry over (../shared/UPSTREAM.md 2.4).
 * Front-end neutral: the ext_proc picker, the HTTP router and the edge report through the same
 * record* calls. Also implements the scheduler's SchedulerMetrics hooks.
 */
import type { SchedulerMetrics } from "../scheduling/metrics.js";
import type { Endpoint, PoolView } from "../state/types.js";
import {
  NTPOT_BUCKETS,
  RATIO_BUCKETS,
  REQUEST_LATENCY_BUCKETS,
  REQUEST_SIZE_BUCKETS,
  RESPONSE_SIZE_BUCKETS,
  SCHEDULER_LATENCY_BUCKETS,
  STREAM_DURATION_BUCKETS,
  TOKEN_BUCKETS,
  TPOT_BUCKETS,
  TTFT_BUCKETS,
} from "./buckets.js";
import type { CounterChild } from "./counter.js";
import type { GaugeChild } from "./gauge.js";
import type { HistogramChild } from "./histogram.js";
import type { MetricOptions } from "./labeled.js";
import { MetricsRegistry } from "./registry.js";
import type {
  CompletedRequest,
  ExtProcStreamMetrics,
  RequestMetrics,
  TokenUsage,
} from "./request-metrics.js";

export type { ExtProcStreamMetrics, TokenUsage } from "./request-metrics.js";

/** What the pool gauges are computed from at scrape time (PoolStore satisfies it). */
export interface PoolSource {
  pools(): PoolView[];
  isStale(endpoint: Endpoint): boolean;
  /** The clock `receivedAt` is stamped with (ms since epoch); default Date.now. */
  readonly clock?: { now(): number };
}

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

/** Upstream's canonical metric prefix (the llm-d router's endpoint picker). */
function epp(suffix: string): string {
  return `llm_d_epp_${suffix}`;
}

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
  readonly #kv;
  readonly #queue;
  readonly #runningAvg;
  readonly #kvStdDev;
  readonly #queueStdDev;
  readonly #runningStdDev;
  readonly #ready;
  readonly #perEndpointQueue;
  readonly #schedulerDuration;
  readonly #attempts;
  readonly #stalePicks;
  readonly #pluginDuration;
  readonly #prefixSize;
  readonly #prefixHitRatio;
  readonly #extprocConnectionEvents;
  readonly #requestProcessing;
  readonly #responseProcessing;
  readonly #streamsInFlight;
  readonly #streamDuration;
  readonly #streams;
  readonly #pushes;
  readonly #refusedPushes;
  readonly #pushAge;
  readonly #ejections;
  readonly #ejected;
  readonly #bufferedBodyBytes;
  readonly #disaggDecisions;
  /** By model, then target model (no key string built per call). */
  readonly #series = new Map<string, Map<string, RequestSeries>>();
  #seriesCount = 0;

  constructor(registry: MetricsRegistry = new MetricsRegistry()) {
    const r = registry;
    this.registry = r;
    /** A metric under llm_d_epp_<suffix> and its deprecated upstream name. */
    const named = (
      suffix: string,
      deprecated: string | undefined,
      help: string,
      options: MetricOptions = {},
    ) => ({
      name: epp(suffix),
      help,
      options:
        deprecated === undefined
          ? options
          : { ...options, twins: [{ name: deprecated, help: `[Deprecated: use ${epp(suffix)}] ${help}` }] },
    });
    const counter = (n: ReturnType<typeof named>, labels: readonly string[] = []) =>
      r.counter(n.name, n.help, labels, n.options);
    const gauge = (n: ReturnType<typeof named>, labels: readonly string[] = []) =>
      r.gauge(n.name, n.help, labels, n.options);
    const histogram = (n: ReturnType<typeof named>, labels: readonly string[], buckets: readonly number[]) =>
      r.histogram(n.name, n.help, labels, buckets, n.options);

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
    this.#kv = gauge(
      named(
        "average_kv_cache_utilization",
        "inference_pool_average_kv_cache_utilization",
        "The average kv cache utilization for an inference server pool.",
      ),
      ["name"],
    );
    this.#queue = gauge(
      named(
        "average_queue_size",
        "inference_pool_average_queue_size",
        "The average number of requests pending in the model server queue.",
      ),
      ["name"],
    );
    this.#runningAvg = gauge(
      named(
        "average_running_requests",
        "inference_pool_average_running_requests",
        "The average number of running requests across model servers in the pool.",
      ),
      ["name"],
    );
    this.#kvStdDev = gauge(
      named(
        "std_dev_kv_cache_utilization",
        "inference_pool_std_dev_kv_cache_utilization",
        "The standard deviation kv cache utilization for an inference server pool.",
      ),
      ["name"],
    );
    this.#queueStdDev = gauge(
      named(
        "std_dev_queue_size",
        "inference_pool_std_dev_queue_size",
        "The standard deviation number of requests pending in the model server queue.",
      ),
      ["name"],
    );
    this.#runningStdDev = gauge(
      named(
        "std_dev_running_requests",
        "inference_pool_std_dev_running_requests",
        "The standard deviation number of running requests across model servers in the pool.",
      ),
      ["name"],
    );
    this.#ready = gauge(
      named(
        "ready_endpoints",
        "inference_pool_ready_pods",
        "The number of ready endpoints in the inference server pool.",
      ),
      ["name"],
    );
    const perEndpointHelp =
      "The total number of requests pending in the model server queue for each underlying endpoint.";
    this.#perEndpointQueue = r.gauge(
      epp("per_endpoint_queue_size"),
      perEndpointHelp,
      ["name", "model_server_endpoint"],
      {
        twins: [
          {
            name: "inference_pool_per_pod_queue_size",
            help: `[Deprecated: use ${epp("per_endpoint_queue_size")}] ${perEndpointHelp}`,
            labelNames: ["name", "model_server_pod"],
          },
        ],
      },
    );
    this.#schedulerDuration = histogram(
      named(
        "scheduler_e2e_duration_seconds",
        "inference_extension_scheduler_e2e_duration_seconds",
        "End-to-end scheduling latency distribution in seconds.",
      ),
      [],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.#attempts = counter(
      named(
        "scheduler_attempts_total",
        "inference_extension_scheduler_attempts_total",
        "Total number of scheduling attempts.",
      ),
      ["status"],
    );
    // Ours (upstream has no such counter): a pick that had only stale endpoints to choose from.
    this.#stalePicks = r.counter(
      "inference_extension_stale_endpoint_picks_total",
      "Picks made among stale endpoints (counted as saturated) because no fresh endpoint could serve the request.",
      ["pool"],
    );
    this.#pluginDuration = histogram(
      named(
        "plugin_duration_seconds",
        "inference_extension_plugin_duration_seconds",
        "Plugin processing latency distribution in seconds for each extension point, plugin type and plugin name.",
      ),
      ["extension_point", "plugin_type", "plugin_name"],
      SCHEDULER_LATENCY_BUCKETS,
    );
    // Upstream's P/D decision counter (UPSTREAM.md 3.1); no older name to twin.
    this.#disaggDecisions = counter(
      named(
        "disagg_decision_total",
        undefined,
        "Disaggregation decisions of the disagg profile handler, by decision type (decode-only, prefill-decode).",
      ),
      ["decision_type"],
    );
    this.#prefixSize = r.gauge("inference_extension_prefix_indexer_size", "Size of the prefix indexer.");
    this.#prefixHitRatio = r.histogram(
      "inference_extension_prefix_indexer_hit_ratio",
      "Ratio of prefix length matched to total prefix length in the cache lookup.",
      [],
      RATIO_BUCKETS,
    );
    // Ours: what happened to ext_proc connections (issue #19: Envoy resets every side stream).
    this.#extprocConnectionEvents = r.counter(
      "inference_extension_extproc_connection_events_total",
      "ext_proc HTTP/2 connection events: retired (closed gracefully before the rapid-reset limit), goaway (sent by the client), error; by HTTP/2 error code name.",
      ["event", "code"],
    );
    this.#requestProcessing = histogram(
      named(
        "request_processing_duration_seconds",
        undefined,
        "Time the endpoint picker spent processing one request-phase ext_proc message, in seconds.",
      ),
      [],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.#responseProcessing = histogram(
      named(
        "response_processing_duration_seconds",
        undefined,
        "Time the endpoint picker spent processing one response-phase ext_proc message, in seconds.",
      ),
      [],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.#streamsInFlight = gauge(
      named("extproc_streams_inflight", undefined, "Number of ext_proc streams currently open."),
    );
    this.#streamDuration = histogram(
      named("extproc_stream_duration_seconds", undefined, "Lifetime of ext_proc streams, in seconds."),
      [],
      STREAM_DURATION_BUCKETS,
    );
    this.#streams = counter(
      named(
        "extproc_streams_total",
        undefined,
        "Total number of ext_proc streams by final gRPC status code.",
      ),
      ["code"],
    );
    // Ours: the push side of the router (upstream scrapes instead of receiving pushes).
    this.#pushes = r.counter(
      "inference_router_pushes_total",
      "Snapshots accepted from each producer (source) for each pool.",
      ["pool", "source"],
    );
    this.#refusedPushes = r.counter(
      "inference_router_pushes_refused_total",
      "Snapshots refused, by Connect error code.",
      ["code"],
    );
    this.#pushAge = r.gauge(
      "inference_router_last_push_age_seconds",
      "Seconds since the router received the last snapshot from each producer (source) of each pool.",
      ["pool", "source"],
    );
    // Ours (passive health, Envoy's envoy_cluster_outlier_detection_ejections_* in spirit).
    this.#ejections = r.counter(
      "inference_extension_outlier_ejections_total",
      "Endpoints ejected from picks because a connection to them failed or was reset.",
      ["pool"],
    );
    this.#ejected = r.gauge(
      "inference_extension_ejected_endpoints",
      "Endpoints currently ejected from picks (passive health).",
      ["pool"],
    );
    this.#bufferedBodyBytes = r.gauge(
      "inference_extension_buffered_request_body_bytes",
      "Request-body bytes buffered right now across every request in flight (limit: limits.maxBufferedBodyBytes).",
    );
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
    const clock = source.clock;
    const now = clock ? () => clock.now() : Date.now;
    const gauges = [
      this.#kv,
      this.#queue,
      this.#runningAvg,
      this.#kvStdDev,
      this.#queueStdDev,
      this.#runningStdDev,
      this.#ready,
      this.#perEndpointQueue,
      this.#pushAge,
    ];
    this.registry.onCollect(() => {
      for (const g of gauges) g.reset();
      const t = now();
      for (const pool of source.pools()) {
        const kv = new Stats();
        const queue = new Stats();
        const running = new Stats();
        for (const e of pool.endpoints) {
          this.#perEndpointQueue.labels(pool.name, e.address).set(e.metrics.waitingRequests);
          if (!e.ready || source.isStale(e)) continue;
          kv.add(e.metrics.kvCacheUsage);
          queue.add(e.metrics.waitingRequests);
          running.add(e.metrics.runningRequests);
        }
        this.#ready.labels(pool.name).set(kv.n);
        this.#kv.labels(pool.name).set(kv.mean());
        this.#queue.labels(pool.name).set(queue.mean());
        this.#runningAvg.labels(pool.name).set(running.mean());
        this.#kvStdDev.labels(pool.name).set(kv.stdDev());
        this.#queueStdDev.labels(pool.name).set(queue.stdDev());
        this.#runningStdDev.labels(pool.name).set(running.stdDev());
        for (const s of pool.sources)
          this.#pushAge.labels(pool.name, s.source).set(Math.max(0, (t - s.receivedAt) / 1000));
      }
    });
  }

  observeSchedulerDuration(seconds: number): void {
    this.#schedulerDuration.labels().observe(seconds);
  }

  countSchedulerAttempt(status: "success" | "failure"): void {
    this.#attempts.labels(status).inc();
  }

  countStaleEndpointPick(pool: string): void {
    this.#stalePicks.labels(pool).inc();
  }

  observePluginDuration(
    extensionPoint: string,
    pluginType: string,
    pluginName: string,
    seconds: number,
  ): void {
    this.#pluginDuration.labels(extensionPoint, pluginType, pluginName).observe(seconds);
  }

  setPrefixIndexSize(entries: number, _bytes: number): void {
    this.#prefixSize.labels().set(entries);
  }

  observePrefixHitRatio(ratio: number): void {
    this.#prefixHitRatio.labels().observe(ratio);
  }

  countDisaggDecision(decisionType: string): void {
    this.#disaggDecisions.labels(decisionType).inc();
  }

  /** One ext_proc connection event (`event`: retired, goaway, error; `code`: the HTTP/2 error code's name). */
  countExtProcConnectionEvent(event: string, code: string): void {
    this.#extprocConnectionEvents.labels(event, code).inc();
  }

  extProcStreamOpened(): void {
    this.#streamsInFlight.labels().inc();
  }

  extProcStreamClosed(code: string, seconds: number): void {
    this.#streamsInFlight.labels().dec();
    this.#streamDuration.labels().observe(seconds);
    this.#streams.labels(code).inc();
  }

  observeRequestProcessing(seconds: number): void {
    this.#requestProcessing.labels().observe(seconds);
  }

  observeResponseProcessing(seconds: number): void {
    this.#responseProcessing.labels().observe(seconds);
  }

  countPush(pool: string, source: string): void {
    this.#pushes.labels(pool, source).inc();
  }

  countRefusedPush(code: string): void {
    this.#refusedPushes.labels(code).inc();
  }

  /** An endpoint was ejected (passive health). */
  countOutlierEjection(pool: string): void {
    this.#ejections.labels(pool).inc();
  }

  /** Reads the ejected-endpoint counts and the buffered body bytes at every scrape. */
  watchPassiveHealth(source: {
    ejectedCounts(): ReadonlyMap<string, number>;
    readonly bufferedBodyBytes: number;
  }): void {
    this.registry.onCollect(() => {
      this.#ejected.reset();
      for (const [pool, n] of source.ejectedCounts()) this.#ejected.labels(pool).set(n);
      this.#bufferedBodyBytes.labels().set(source.bufferedBodyBytes);
    });
  }

  /** The text exposition (Prometheus 0.0.4). */
  expose(): string {
    return this.registry.expose();
  }
}

/** Running mean and population standard deviation (Welford), 0 for an empty set. */
class Stats {
  n = 0;
  #mean = 0;
  #m2 = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.#mean;
    this.#mean += d / this.n;
    this.#m2 += d * (x - this.#mean);
  }
  mean(): number {
    return this.n === 0 ? 0 : this.#mean;
  }
  stdDev(): number {
    return this.n === 0 ? 0 : Math.sqrt(this.#m2 / this.n);
  }
}
