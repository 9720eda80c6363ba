/**
 * Per-model aggregates for autoscaling (an HPA through the Prometheus adapter, a KEDA ScaledObject):
 * the pool gauges upstream exports (average KV use, average queue, ready endpoints) split by the model
 * each endpoint serves, so one model's deployment can scale on its own load. Computed at every scrape
 * from pushed state only, so every router replica that gets the same pushes exports the same values
 * (a peer's in-flight counts are deliberately left out: they differ by a few requests between replicas).
 */

import type { MetricsRegistry } from "./registry.js";
import type { PoolSource } from "./router-metrics.js";

/** The model label of an endpoint that advertises no model list (it serves whatever the pool routes to it). */
export const ANY_MODEL = "any";

/**
 * Registers llm_d_epp_model_average_kv_cache_utilization, llm_d_epp_model_average_queue_size and
 * llm_d_epp_model_ready_endpoints {name (pool), model_name}: over ready, fresh endpoints.
 *
 * @example
 * watchModelAggregates(core.metrics.registry, core.store);
 * // llm_d_epp_model_average_queue_size{name="pool-a",model_name="llama-3-8b"} 1.5
 */
export function watchModelAggregates(registry: MetricsRegistry, source: PoolSource): void {
  const labels = ["name", "model_name"];
  const kv = registry.gauge(
    "llm_d_epp_model_average_kv_cache_utilization",
    "The average kv cache utilization of the ready endpoints serving a model, per pool.",
    labels,
  );
  const queue = registry.gauge(
    "llm_d_epp_model_average_queue_size",
    "The average number of requests pending in the model server queue, over the ready endpoints serving a model, per pool.",
    labels,
  );
  const ready = registry.gauge(
    "llm_d_epp_model_ready_endpoints",
    "The number of ready endpoints serving a model, per pool.",
    labels,
  );
  registry.onCollect(() => {
    kv.reset();
    queue.reset();
    ready.reset();
    for (const pool of source.pools()) {
      const sums = new Map<string, { n: number; kv: number; queue: number }>();
      for (const e of pool.endpoints) {
        if (!e.ready || source.isStale(e)) continue;
        const models = e.models.length === 0 ? [ANY_MODEL] : e.models;
        for (const model of models) {
          let s = sums.get(model);
          if (s === undefined) {
            s = { n: 0, kv: 0, queue: 0 };
            sums.set(model, s);
          }
          s.n++;
          s.kv += e.metrics.kvCacheUsage;
          s.queue += e.metrics.waitingRequests;
        }
      }
      for (const [model, s] of sums) {
        kv.labels(pool.name, model).set(s.kv / s.n);
        queue.labels(pool.name, model).set(s.queue / s.n);
        ready.labels(pool.name, model).set(s.n);
      }
    }
  });
}
