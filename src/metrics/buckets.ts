/** Histogram bucket bounds of the upstream endpoint picker's metrics, so dashboards carry over. */

/** inference_objective_request_duration_seconds: seconds, 5 ms .. 1 h. */
export const REQUEST_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120,
  180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600,
];

/** inference_objective_request_sizes: bytes, 64 B .. 1 GiB in powers of two. */
export const REQUEST_SIZE_BUCKETS: readonly number[] = Array.from({ length: 25 }, (_, i) => 64 * 2 ** i);

/** inference_objective_response_sizes: bytes (upstream's 32778 kept as is). */
export const RESPONSE_SIZE_BUCKETS: readonly number[] = [
  1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32778, 65536,
];

/** inference_objective_input_tokens / _output_tokens: tokens. */
export const TOKEN_BUCKETS: readonly number[] = [
  1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32778, 65536, 131072, 262144, 524288,
  1048576,
];

/** Scheduler and plugin durations: seconds, 100 µs .. 100 ms. */
export const SCHEDULER_LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
];

/** Ratios in [0, 1] by tenths. */
export const RATIO_BUCKETS: readonly number[] = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** llm_d_epp_request_ttft_seconds: seconds, 5 ms .. 2 min. */
export const TTFT_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120,
];

/** llm_d_epp_request_streaming_tpot_seconds: seconds per output token. */
export const TPOT_BUCKETS: readonly number[] = [
  0.0005, 0.00205, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 2,
];

/** llm_d_epp_request_ntpot_seconds: end-to-end seconds per output token. */
export const NTPOT_BUCKETS: readonly number[] = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10,
];

/** ext_proc stream lifetimes: seconds, 1 ms .. 1 h (a stream lives as long as its request). */
export const STREAM_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];
