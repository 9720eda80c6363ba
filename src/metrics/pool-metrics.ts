/**
 * The pool gauges upstream exports (average / standard deviation of KV use, queue and running requests,
 * ready endpoints, per-endpoint queue), under llm_d_epp_* and their inference_pool_* twins, computed
 * from the pushed state at every scrape. Registered by RouterMetrics.
 */
import type { Endpoint, PoolView } from "../state/types.js";
import { epp, eppFamilies, named } from "./epp-names.js";
import type { MetricsRegistry } from "./registry.js";

/** What the pool gauges are computed from at scrape time (PoolStore satisfies it). */
export interface PoolSource {
  pools(): PoolView[];
  isStale(endpoint: Endpoint): boolean;
  /** The clock `receivedAt` is stamped with (ms since epoch); default Date.now. */
  readonly clock?: { now(): number };
}

type GaugeFamily = ReturnType<MetricsRegistry["gauge"]>;

export class PoolGauges {
  readonly kv: GaugeFamily;
  readonly queue: GaugeFamily;
  readonly runningAvg: GaugeFamily;
  readonly kvStdDev: GaugeFamily;
  readonly queueStdDev: GaugeFamily;
  readonly runningStdDev: GaugeFamily;
  readonly ready: GaugeFamily;
  readonly perEndpointQueue: GaugeFamily;

  constructor(r: MetricsRegistry) {
    const f = eppFamilies(r);
    this.kv = f.gauge(
      named(
        "average_kv_cache_utilization",
        "inference_pool_average_kv_cache_utilization",
        "The average kv cache utilization for an inference server pool.",
      ),
      ["name"],
    );
    this.queue = f.gauge(
      named(
        "average_queue_size",
        "inference_pool_average_queue_size",
        "The average number of requests pending in the model server queue.",
      ),
      ["name"],
    );
    this.runningAvg = f.gauge(
      named(
        "average_running_requests",
        "inference_pool_average_running_requests",
        "The average number of running requests across model servers in the pool.",
      ),
      ["name"],
    );
    this.kvStdDev = f.gauge(
      named(
        "std_dev_kv_cache_utilization",
        "inference_pool_std_dev_kv_cache_utilization",
        "The standard deviation kv cache utilization for an inference server pool.",
      ),
      ["name"],
    );
    this.queueStdDev = f.gauge(
      named(
        "std_dev_queue_size",
        "inference_pool_std_dev_queue_size",
        "The standard deviation number of requests pending in the model server queue.",
      ),
      ["name"],
    );
    this.runningStdDev = f.gauge(
      named(
        "std_dev_running_requests",
        "inference_pool_std_dev_running_requests",
        "The standard deviation number of running requests across model servers in the pool.",
      ),
      ["name"],
    );
    this.ready = f.gauge(
      named(
        "ready_endpoints",
        "inference_pool_ready_pods",
        "The number of ready endpoints in the inference server pool.",
      ),
      ["name"],
    );
    const perEndpointHelp =
      "The total number of requests pending in the model server queue for each underlying endpoint.";
    this.perEndpointQueue = r.gauge(
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
  }

  /**
   * Computes the pool gauges from `source` at every scrape: averages and standard deviations over
   * ready, fresh endpoints; per-endpoint queues and push ages over every endpoint and source.
   */
  watch(registry: MetricsRegistry, source: PoolSource, pushAge: GaugeFamily): void {
    const clock = source.clock;
    const now = clock ? () => clock.now() : Date.now;
    const gauges = [
      this.kv,
      this.queue,
      this.runningAvg,
      this.kvStdDev,
      this.queueStdDev,
      this.runningStdDev,
      this.ready,
      this.perEndpointQueue,
    ];
    registry.onCollect(() => {
      for (const g of gauges) g.reset();
      const t = now();
      for (const pool of source.pools()) {
        const kv = new Stats();
        const queue = new Stats();
        const running = new Stats();
        for (const e of pool.endpoints) {
          this.perEndpointQueue.labels(pool.name, e.address).set(e.metrics.waitingRequests);
          if (!e.ready || source.isStale(e)) continue;
          kv.add(e.metrics.kvCacheUsage);
          queue.add(e.metrics.waitingRequests);
          running.add(e.metrics.runningRequests);
        }
        this.ready.labels(pool.name).set(kv.n);
        this.kv.labels(pool.name).set(kv.mean());
        this.queue.labels(pool.name).set(queue.mean());
        this.runningAvg.labels(pool.name).set(running.mean());
        this.kvStdDev.labels(pool.name).set(kv.stdDev());
        this.queueStdDev.labels(pool.name).set(queue.stdDev());
        this.runningStdDev.labels(pool.name).set(running.stdDev());
        for (const s of pool.sources)
          pushAge.labels(pool.name, s.source).set(Math.max(0, (t - s.receivedAt) / 1000));
      }
    });
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
