import { describe, expect, it } from "vitest";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import type { Endpoint, PoolView } from "../../src/state/types.js";

function endpoint(address: string, waiting: number, kv: number, ready = true, running = 0): Endpoint {
  return {
    address,
    ready,
    metrics: { waitingRequests: waiting, kvCacheUsage: kv, runningRequests: running },
  } as unknown as Endpoint;
}

/** The value of one sample line (`name{labels} value`), undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("RouterMetrics", () => {
  it("counts requests, running requests, sizes, usage and errors under the upstream names", () => {
    const m = new RouterMetrics();
    m.recordRequest("llama", "llama-v2", 1000);
    m.recordRequest("llama", "llama-v2", 10);
    m.recordUsage("llama", "llama-v2", { promptTokens: 7, completionTokens: 20, cachedTokens: 4 });
    m.recordRequestEnd("llama", "llama-v2", { durationSeconds: 0.3, responseBytes: 100 });
    m.recordError("llama", "llama-v2", "ServiceUnavailable");
    const text = m.expose();
    expect(text).toContain(
      'inference_objective_request_total{model_name="llama",target_model_name="llama-v2"} 2',
    );
    expect(text).toContain('inference_objective_running_requests{model_name="llama"} 1');
    expect(text).toContain(
      'inference_objective_request_error_total{model_name="llama",target_model_name="llama-v2",error_code="ServiceUnavailable"} 1',
    );
    expect(text).toContain(
      'inference_objective_input_tokens_sum{model_name="llama",target_model_name="llama-v2"} 7',
    );
    expect(text).toContain(
      'inference_objective_output_tokens_sum{model_name="llama",target_model_name="llama-v2"} 20',
    );
    expect(text).toContain(
      'inference_objective_request_sizes_count{model_name="llama",target_model_name="llama-v2"} 2',
    );
    expect(text).toContain(
      'inference_objective_request_duration_seconds_count{model_name="llama",target_model_name="llama-v2"} 1',
    );
  });

  it("implements the scheduler hooks", () => {
    const m = new RouterMetrics();
    m.countSchedulerAttempt("success");
    m.countSchedulerAttempt("failure");
    m.observeSchedulerDuration(0.0003);
    m.observePluginDuration("scorer", "queue-scorer", "queue", 0.00001);
    m.setPrefixIndexSize(42, 1000);
    m.observePrefixHitRatio(0.5);
    const text = m.expose();
    expect(text).toContain('inference_extension_scheduler_attempts_total{status="success"} 1');
    expect(text).toContain('inference_extension_scheduler_attempts_total{status="failure"} 1');
    expect(text).toContain('inference_extension_scheduler_e2e_duration_seconds_bucket{le="0.0005"} 1');
    expect(text).toContain(
      'inference_extension_plugin_duration_seconds_count{extension_point="scorer",plugin_type="queue-scorer",plugin_name="queue"} 1',
    );
    expect(text).toContain("inference_extension_prefix_indexer_size 42");
    expect(text).toContain("inference_extension_prefix_indexer_hit_ratio_count 1");
  });

  it("computes pool gauges over ready, fresh endpoints at scrape time", () => {
    const m = new RouterMetrics();
    const pool = {
      name: "pool-a",
      endpoints: [
        endpoint("a", 2, 0.2),
        endpoint("b", 4, 0.4),
        endpoint("c", 100, 1, false),
        endpoint("stale", 9, 1),
      ],
      sources: [],
    } as unknown as PoolView;
    m.watchPools({ pools: () => [pool], isStale: (e) => e.address === "stale" });
    const text = m.expose();
    expect(text).toContain('inference_pool_ready_pods{name="pool-a"} 2');
    expect(text).toMatch(/inference_pool_average_kv_cache_utilization\{name="pool-a"\} 0\.3/);
    expect(text).toContain('inference_pool_average_queue_size{name="pool-a"} 3');
  });

  it("exports the pool aggregates under llm_d_epp_ names: means, standard deviations, per-endpoint queues, push ages", () => {
    const m = new RouterMetrics();
    const pool = {
      name: "pool-a",
      endpoints: [
        endpoint("a", 2, 0.2, true, 1),
        endpoint("b", 6, 0.6, true, 5),
        endpoint("c", 100, 1, false),
      ],
      sources: [{ source: "agent-1", receivedAt: 10_000 }],
    } as unknown as PoolView;
    m.watchPools({ pools: () => [pool], isStale: () => false, clock: { now: () => 12_500 } });
    const text = m.expose();
    expect(sample(text, 'llm_d_epp_ready_endpoints{name="pool-a"}')).toBe(2);
    expect(sample(text, 'llm_d_epp_average_queue_size{name="pool-a"}')).toBe(4);
    expect(sample(text, 'llm_d_epp_std_dev_queue_size{name="pool-a"}')).toBe(2);
    expect(sample(text, 'llm_d_epp_average_running_requests{name="pool-a"}')).toBe(3);
    expect(sample(text, 'llm_d_epp_std_dev_running_requests{name="pool-a"}')).toBe(2);
    expect(sample(text, 'llm_d_epp_std_dev_kv_cache_utilization{name="pool-a"}')).toBeCloseTo(0.2);
    expect(sample(text, 'llm_d_epp_per_endpoint_queue_size{name="pool-a",model_server_endpoint="c"}')).toBe(
      100,
    );
    expect(sample(text, 'inference_pool_per_pod_queue_size{name="pool-a",model_server_pod="c"}')).toBe(100);
    expect(sample(text, 'inference_router_last_push_age_seconds{pool="pool-a",source="agent-1"}')).toBe(2.5);
  });

  it("renders every canonical llm_d_epp_ metric next to its deprecated twin, with the same type", () => {
    const text = new RouterMetrics().expose();
    const pairs: [string, string, string][] = [
      ["llm_d_epp_request_total", "inference_objective_request_total", "counter"],
      ["llm_d_epp_request_error_total", "inference_objective_request_error_total", "counter"],
      ["llm_d_epp_request_duration_seconds", "inference_objective_request_duration_seconds", "histogram"],
      ["llm_d_epp_request_size_bytes", "inference_objective_request_sizes", "histogram"],
      ["llm_d_epp_response_size_bytes", "inference_objective_response_sizes", "histogram"],
      ["llm_d_epp_request_input_tokens", "inference_objective_input_tokens", "histogram"],
      ["llm_d_epp_request_output_tokens", "inference_objective_output_tokens", "histogram"],
      ["llm_d_epp_request_cached_tokens", "inference_objective_prompt_cached_tokens", "histogram"],
      ["llm_d_epp_request_running", "inference_objective_running_requests", "gauge"],
      [
        "llm_d_epp_request_ntpot_seconds",
        "inference_objective_normalized_time_per_output_token_seconds",
        "histogram",
      ],
      ["llm_d_epp_average_kv_cache_utilization", "inference_pool_average_kv_cache_utilization", "gauge"],
      ["llm_d_epp_average_queue_size", "inference_pool_average_queue_size", "gauge"],
      ["llm_d_epp_average_running_requests", "inference_pool_average_running_requests", "gauge"],
      ["llm_d_epp_std_dev_kv_cache_utilization", "inference_pool_std_dev_kv_cache_utilization", "gauge"],
      ["llm_d_epp_std_dev_queue_size", "inference_pool_std_dev_queue_size", "gauge"],
      ["llm_d_epp_std_dev_running_requests", "inference_pool_std_dev_running_requests", "gauge"],
      ["llm_d_epp_ready_endpoints", "inference_pool_ready_pods", "gauge"],
      ["llm_d_epp_per_endpoint_queue_size", "inference_pool_per_pod_queue_size", "gauge"],
      [
        "llm_d_epp_scheduler_e2e_duration_seconds",
        "inference_extension_scheduler_e2e_duration_seconds",
        "histogram",
      ],
      ["llm_d_epp_scheduler_attempts_total", "inference_extension_scheduler_attempts_total", "counter"],
      ["llm_d_epp_plugin_duration_seconds", "inference_extension_plugin_duration_seconds", "histogram"],
    ];
    for (const [name, deprecated, type] of pairs) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
      expect(text).toContain(`# TYPE ${deprecated} ${type}\n`);
      expect(text).toContain(`# HELP ${deprecated} [Deprecated: use ${name}]`);
    }
    for (const [name, type] of [
      ["llm_d_epp_request_ttft_seconds", "histogram"],
      ["llm_d_epp_request_streaming_tpot_seconds", "histogram"],
      ["llm_d_epp_request_processing_duration_seconds", "histogram"],
      ["llm_d_epp_response_processing_duration_seconds", "histogram"],
      ["llm_d_epp_extproc_streams_inflight", "gauge"],
      ["llm_d_epp_extproc_stream_duration_seconds", "histogram"],
      ["llm_d_epp_extproc_streams_total", "counter"],
      ["inference_router_pushes_total", "counter"],
      ["inference_router_pushes_refused_total", "counter"],
      ["inference_router_last_push_age_seconds", "gauge"],
    ])
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
  });

  it("observes TTFT, TPOT and NTPOT from a streamed completion, and TTFT as the whole duration otherwise", () => {
    const m = new RouterMetrics();
    m.recordRequest("llama", "llama", 10);
    m.recordRequestEnd("llama", "llama", {
      durationSeconds: 2.5,
      responseBytes: 100,
      firstByteSeconds: 0.5,
      streaming: true,
      outputTokens: 5,
    });
    m.recordRequest("llama", "llama", 10);
    m.recordRequestEnd("llama", "llama", { durationSeconds: 3, responseBytes: 100, outputTokens: 10 });
    const text = m.expose();
    const l = 'model_name="llama",target_model_name="llama"';
    expect(sample(text, `llm_d_epp_request_ttft_seconds_sum{${l},streaming="true"}`)).toBe(0.5);
    expect(sample(text, `llm_d_epp_request_ttft_seconds_sum{${l},streaming="false"}`)).toBe(3);
    expect(sample(text, `llm_d_epp_request_streaming_tpot_seconds_sum{${l}}`)).toBe(0.5);
    expect(sample(text, `llm_d_epp_request_ntpot_seconds_sum{${l}}`)).toBeCloseTo(0.8);
    expect(sample(text, `llm_d_epp_request_ntpot_seconds_count{${l}}`)).toBe(2);
  });

  it("counts ext_proc streams in flight, by final code, and their processing time", () => {
    const m = new RouterMetrics();
    m.extProcStreamOpened();
    m.extProcStreamOpened();
    m.extProcStreamClosed("OK", 0.2);
    m.observeRequestProcessing(0.001);
    m.observeResponseProcessing(0.002);
    const text = m.expose();
    expect(sample(text, "llm_d_epp_extproc_streams_inflight")).toBe(1);
    expect(sample(text, 'llm_d_epp_extproc_streams_total{code="OK"}')).toBe(1);
    expect(sample(text, "llm_d_epp_extproc_stream_duration_seconds_count")).toBe(1);
    expect(sample(text, "llm_d_epp_request_processing_duration_seconds_count")).toBe(1);
    expect(sample(text, "llm_d_epp_response_processing_duration_seconds_sum")).toBe(0.002);
  });

  it("folds model names past 1,000 distinct values into other", () => {
    const m = new RouterMetrics();
    for (let i = 0; i < 1005; i++) m.recordRequest(`model-${i}`, "target", 1);
    const text = m.expose();
    expect(sample(text, 'llm_d_epp_request_total{model_name="model-999",target_model_name="target"}')).toBe(
      1,
    );
    expect(text).not.toContain('model_name="model-1000"');
    expect(sample(text, 'llm_d_epp_request_total{model_name="other",target_model_name="target"}')).toBe(5);
    expect(sample(text, 'llm_d_epp_request_running{model_name="other"}')).toBe(5);
  });
});
