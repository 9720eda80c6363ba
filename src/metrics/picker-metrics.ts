/**
 * The scheduler's families (SchedulerMetrics): end-to-end scheduling latency, attempts, plugin
 * latency, the prefix index, stale-endpoint picks (ours) and the disagg profile handler's P/D decisions
 * (upstream's disagg_decision_total). Registered by RouterMetrics, which the scheduler reports through.
 */
import type { SchedulerMetrics } from "../scheduling/metrics.js";
import { RATIO_BUCKETS, SCHEDULER_LATENCY_BUCKETS } from "./buckets.js";
import { eppFamilies, named } from "./epp-names.js";
import type { MetricsRegistry } from "./registry.js";

export class PickerMetrics implements SchedulerMetrics {
  readonly #schedulerDuration;
  readonly #attempts;
  readonly #stalePicks;
  readonly #pluginDuration;
  readonly #disaggDecisions;
  readonly #prefixSize;
  readonly #prefixHitRatio;

  constructor(r: MetricsRegistry) {
    const f = eppFamilies(r);
    this.#schedulerDuration = f.histogram(
      named(
        "scheduler_e2e_duration_seconds",
        "inference_extension_scheduler_e2e_duration_seconds",
        "End-to-end scheduling latency distribution in seconds.",
      ),
      [],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.#attempts = f.counter(
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
    this.#pluginDuration = f.histogram(
      named(
        "plugin_duration_seconds",
        "inference_extension_plugin_duration_seconds",
        "Plugin processing latency distribution in seconds for each extension point, plugin type and plugin name.",
      ),
      ["extension_point", "plugin_type", "plugin_name"],
      SCHEDULER_LATENCY_BUCKETS,
    );
    // Upstream's P/D decision counter (UPSTREAM.md 3.1); no older name to twin.
    this.#disaggDecisions = f.counter(
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
}
