import { describe, expect, it } from "vitest";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import type { Endpoint, PoolView } from "../../src/state/types.js";

function endpoint(address: string, waiting: number, kv: number, ready = true): Endpoint {
  return {
    address,
    ready,
    metrics: { waitingRequests: waiting, kvCacheUsage: kv },
  } as unknown as Endpoint;
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
    } as unknown as PoolView;
    m.watchPools({ pools: () => [pool], isStale: (e) => e.address === "stale" });
    const text = m.expose();
    expect(text).toContain('inference_pool_ready_pods{name="pool-a"} 2');
    expect(text).toMatch(/inference_pool_average_kv_cache_utilization\{name="pool-a"\} 0\.3/);
    expect(text).toContain('inference_pool_average_queue_size{name="pool-a"} 3');
  });
});
