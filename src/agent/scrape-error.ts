/** Why a scrape was not turned into a snapshot. The agent logs it and pushes nothing for that scrape. */

/** What went wrong with a scrape. */
export type ScrapeErrorReason =
  /** The body is not the Prometheus text format. */
  | "parse"
  /** A metric the engine's mapping requires is absent. */
  | "missing-metric"
  /** A required metric is present but its value makes no sense (NaN, negative count). */
  | "bad-value";

/**
 * A scrape the agent refuses to push. `metric` names the metric (or the offending line for parse
 * errors) so the log says exactly what to look at.
 *
 * @example
 * throw new ScrapeError("missing-metric", "vllm:num_requests_waiting is not in the scrape", "vllm:num_requests_waiting");
 */
export class ScrapeError extends Error {
  override readonly name = "ScrapeError";
  readonly reason: ScrapeErrorReason;
  readonly metric: string | undefined;

  constructor(reason: ScrapeErrorReason, message: string, metric?: string) {
    super(message);
    this.reason = reason;
    this.metric = metric;
  }
}
