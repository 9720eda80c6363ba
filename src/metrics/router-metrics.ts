/**
 * The router's metrics under the upstream endpoint picker's names and labels (older upstream
 * releases called the objective series inference_model_*; dashboards for those need renaming).
 * Front-end neutral: the ext_proc picker, the HTTP router and the edge report through the same
 * record* calls. Also implements the scheduler's SchedulerMetrics hooks.
 */
import type { SchedulerMetrics } from "../scheduling/metrics.js";
import type { Endpoint, PoolView } from "../state/types.js";
import {
  RATIO_BUCKETS,
  REQUEST_LATENCY_BUCKETS,
  REQUEST_SIZE_BUCKETS,
  RESPONSE_SIZE_BUCKETS,
  SCHEDULER_LATENCY_BUCKETS,
  TOKEN_BUCKETS,
} from "./buckets.js";
import { MetricsRegistry } from "./registry.js";
import type { RequestMetrics, TokenUsage } from "./request-metrics.js";

export type { TokenUsage } from "./request-metrics.js";

/** What the pool gauges are computed from at scrape time (PoolStore satisfies it). */
export interface PoolSource {
  pools(): PoolView[];
  isStale(endpoint: Endpoint): boolean;
}

const MODEL = ["model_name", "target_model_name"] as const;

/**
 * @example
 * const metrics = new RouterMetrics();
 * const scheduler = createScheduler({ store, random, metrics, now: () => performance.now() });
 * metrics.recordRequest("llama", "llama-lora", 512);
 */
export class RouterMetrics implements SchedulerMetrics, RequestMetrics {
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
  readonly #kv;
  readonly #queue;
  readonly #ready;
  readonly #schedulerDuration;
  readonly #attempts;
  readonly #stalePicks;
  readonly #pluginDuration;
  readonly #prefixSize;
  readonly #prefixHitRatio;
  readonly #ejections;
  readonly #ejected;
  readonly #bufferedBodyBytes;

  constructor(registry: MetricsRegistry = new MetricsRegistry()) {
    const r = registry;
    this.registry = r;
    this.#requests = r.counter(
      "inference_objective_request_total",
      "Counter of inference objective requests broken out for each model and target model.",
      MODEL,
    );
    this.#errors = r.counter(
      "inference_objective_request_error_total",
      "Counter of inference objective requests errors broken out for each model and target model.",
      [...MODEL, "error_code"],
    );
    this.#duration = r.histogram(
      "inference_objective_request_duration_seconds",
      "Inference objective response latency distribution in seconds for each model and target model.",
      MODEL,
      REQUEST_LATENCY_BUCKETS,
    );
    this.#requestSizes = r.histogram(
      "inference_objective_request_sizes",
      "Inference objective requests size distribution in bytes for each model and target model.",
      MODEL,
      REQUEST_SIZE_BUCKETS,
    );
    this.#responseSizes = r.histogram(
      "inference_objective_response_sizes",
      "Inference objective responses size distribution in bytes for each model and target model.",
      MODEL,
      RESPONSE_SIZE_BUCKETS,
    );
    this.#inputTokens = r.histogram(
      "inference_objective_input_tokens",
      "Inference objective input token count distribution for requests in each model.",
      MODEL,
      TOKEN_BUCKETS,
    );
    this.#outputTokens = r.histogram(
      "inference_objective_output_tokens",
      "Inference objective output token count distribution for requests in each model.",
      MODEL,
      TOKEN_BUCKETS,
    );
    this.#cachedTokens = r.histogram(
      "inference_objective_prompt_cached_tokens",
      "Inference objective prompt cached token count distribution for requests in each model.",
      MODEL,
      TOKEN_BUCKETS,
    );
    this.#running = r.gauge(
      "inference_objective_running_requests",
      "Inference objective number of running requests in each model.",
      ["model_name"],
    );
    this.#kv = r.gauge(
      "inference_pool_average_kv_cache_utilization",
      "The average kv cache utilization for an inference server pool.",
      ["name"],
    );
    this.#queue = r.gauge(
      "inference_pool_average_queue_size",
      "The average number of requests pending in the model server queue.",
      ["name"],
    );
    this.#ready = r.gauge(
      "inference_pool_ready_pods",
      "The number of ready pods in the inference server pool.",
      ["name"],
    );
    this.#schedulerDuration = r.histogram(
      "inference_extension_scheduler_e2e_duration_seconds",
      "End-to-end scheduling latency distribution in seconds.",
      [],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.#attempts = r.counter(
      "inference_extension_scheduler_attempts_total",
      "Total number of scheduling attempts.",
      ["status"],
    );
    // Ours (upstream has no such counter): a pick that had only stale endpoints to choose from.
    this.#stalePicks = r.counter(
      "inference_extension_stale_endpoint_picks_total",
      "Picks made among stale endpoints (counted as saturated) because no fresh endpoint could serve the request.",
      ["pool"],
    );
    this.#pluginDuration = r.histogram(
      "inference_extension_plugin_duration_seconds",
      "Plugin processing latency distribution in seconds for each extension point, plugin type and plugin name.",
      ["extension_point", "plugin_type", "plugin_name"],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.#prefixSize = r.gauge("inference_extension_prefix_indexer_size", "Size of the prefix indexer.");
    this.#prefixHitRatio = r.histogram(
      "inference_extension_prefix_indexer_hit_ratio",
      "Ratio of prefix length matched to total prefix length in the cache lookup.",
      [],
      RATIO_BUCKETS,
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
    this.#requests.labels(model, targetModel).inc();
    this.#requestSizes.labels(model, targetModel).observe(requestBytes);
    this.#running.labels(model).inc();
  }

  /** A request failed with an error code (our ErrorCode names, or an HTTP status as text). */
  recordError(model: string, targetModel: string, code: string): void {
    this.#errors.labels(model, targetModel, code).inc();
  }

  /** Token usage read from a response. */
  recordUsage(model: string, targetModel: string, usage: TokenUsage): void {
    this.#inputTokens.labels(model, targetModel).observe(usage.promptTokens);
    this.#outputTokens.labels(model, targetModel).observe(usage.completionTokens);
    if (usage.cachedTokens !== undefined)
      this.#cachedTokens.labels(model, targetModel).observe(usage.cachedTokens);
  }

  /**
   * A request counted by recordRequest ended. `completed` carries the duration (s) and response
   * size (bytes) when the response finished; leave it out for cancelled or failed streams.
   */
  recordRequestEnd(
    model: string,
    targetModel: string,
    completed?: { durationSeconds: number; responseBytes: number },
  ): void {
    this.#running.labels(model).dec();
    if (!completed) return;
    this.#duration.labels(model, targetModel).observe(completed.durationSeconds);
    this.#responseSizes.labels(model, targetModel).observe(completed.responseBytes);
  }

  /** Computes the pool gauges from `source` at every scrape (ready, fresh endpoints only). */
  watchPools(source: PoolSource): void {
    this.registry.onCollect(() => {
      this.#kv.reset();
      this.#queue.reset();
      this.#ready.reset();
      for (const pool of source.pools()) {
        let ready = 0;
        let kv = 0;
        let queue = 0;
        for (const e of pool.endpoints) {
          if (!e.ready || source.isStale(e)) continue;
          ready++;
          kv += e.metrics.kvCacheUsage;
          queue += e.metrics.waitingRequests;
        }
        this.#ready.labels(pool.name).set(ready);
        this.#kv.labels(pool.name).set(ready === 0 ? 0 : kv / ready);
        this.#queue.labels(pool.name).set(ready === 0 ? 0 : queue / ready);
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
