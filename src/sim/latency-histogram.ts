/**
 * Cumulative Prometheus-style histograms of request latencies, with vLLM's bucket boundaries, so a
 * dashboard built for vLLM reads the simulator unchanged.
 */

/** vllm:time_to_first_token_seconds buckets. */
export const ttftBuckets: readonly number[] = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
];

/** vllm:time_per_output_token_seconds buckets (one observation per inter-token interval). */
export const tpotBuckets: readonly number[] = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];

/** vllm:e2e_request_latency_seconds buckets. */
export const e2eBuckets: readonly number[] = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
];

/** A histogram: per-bucket counts (non-cumulative inside, cumulative when read), sum and count. */
export class LatencyHistogram {
  readonly bounds: readonly number[];
  readonly #counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.#counts = new Float64Array(bounds.length);
  }

  /** Records one value in seconds. */
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (seconds <= this.bounds[i]!) {
        this.#counts[i]!++;
        return;
      }
    }
  }

  /** Cumulative count of values <= bounds[i]; the +Inf bucket is `count`. */
  cumulative(): number[] {
    const out: number[] = [];
    let acc = 0;
    for (const c of this.#counts) {
      acc += c;
      out.push(acc);
    }
    return out;
  }
}
