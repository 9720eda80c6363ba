/** One scrape body to EndpointMetrics: parse the text format, then apply the engine's mapping. */
import type { EndpointMetrics } from "../state/types.js";
import { type EngineKind, engineMappings } from "./engines/index.js";
import { parseExposition } from "./exposition.js";

/**
 * Turns a /metrics body into the snapshot's metrics for `engine`.
 *
 * @throws ScrapeError when the body is not the text format or lacks a required metric; the caller
 * must then push nothing for this scrape.
 * @example
 * const m = metricsFromScrape("vllm", await (await fetch(url)).text());
 */
export function metricsFromScrape(engine: EngineKind, text: string): EndpointMetrics {
  return engineMappings[engine].toMetrics(parseExposition(text));
}
