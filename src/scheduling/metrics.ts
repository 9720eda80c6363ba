/**
 * Hooks through which the scheduler reports what it does; src/metrics (or a test) implements them
 * and names the series. The default does nothing, so an un-instrumented scheduler pays one call.
 */

/** Scheduler observations, with the upstream series each one feeds. */
export interface SchedulerMetrics {
  /** inference_extension_scheduler_e2e_duration_seconds: one decision, seconds. Only when `now` is injected. */
  observeSchedulerDuration(seconds: number): void;
  /** inference_extension_scheduler_attempts_total{status}: one per non-dry-run decision. */
  countSchedulerAttempt(status: "success" | "failure"): void;
  /**
   * inference_extension_stale_endpoint_picks_total{pool}: one per non-dry-run pick made among stale
   * endpoints (policy "saturated", no fresh endpoint left).
   */
  countStaleEndpointPick(pool: string): void;
  /**
   * inference_extension_plugin_duration_seconds{extension_point,plugin_type,plugin_name}: sampled
   * (one decision in `pluginSampleEvery`), seconds.
   */
  observePluginDuration(
    extensionPoint: string,
    pluginType: string,
    pluginName: string,
    seconds: number,
  ): void;
  /** inference_extension_prefix_indexer_size: entries held by the prefix index (sampled after records). */
  setPrefixIndexSize(entries: number, bytes: number): void;
  /** inference_extension_prefix_indexer_hit_ratio: matched / total blocks for the primary pick, 0..1. */
  observePrefixHitRatio(ratio: number): void;
  /**
   * disagg_decision_total{decision_type}: one per non-dry-run decision of a disaggregating profile
   * handler ("decode-only" or "prefill-decode"). Optional: implementations without it count nothing.
   */
  countDisaggDecision?(decisionType: string): void;
}

/** Does nothing; the default. */
export const noopSchedulerMetrics: SchedulerMetrics = {
  observeSchedulerDuration() {},
  countSchedulerAttempt() {},
  countStaleEndpointPick() {},
  observePluginDuration() {},
  setPrefixIndexSize() {},
  observePrefixHitRatio() {},
};
