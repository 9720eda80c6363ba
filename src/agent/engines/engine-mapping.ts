/** The contract every engine's metric mapping implements. */
import type { EndpointMetrics } from "../../state/types.js";
import type { MetricFamilies } from "../exposition.js";

/** Engines the agent knows; the value is pushed as EndpointSnapshot.engine. */
export type EngineKind = "vllm" | "sglang" | "trtllm";

/**
 * Maps one engine's parsed /metrics onto the snapshot's EndpointMetrics.
 * `toMetrics` throws ScrapeError when a required metric is missing or nonsensical; optional ones
 * (LoRA, cache config) fall back to 0 / [] ("unknown").
 */
export interface EngineMapping {
  readonly engine: EngineKind;
  /** Metric names (with label matchers) that must be present, for help text and docs. */
  readonly required: readonly string[];
  toMetrics(families: MetricFamilies): EndpointMetrics;
}
