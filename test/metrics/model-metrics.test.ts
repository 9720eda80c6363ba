import { describe, expect, it } from "vitest";
import { watchModelAggregates } from "../../src/metrics/model-metrics.js";
import { MetricsRegistry } from "../../src/metrics/registry.js";
import type { Endpoint, PoolView } from "../../src/state/types.js";

function endpoint(address: string, models: string[], waiting: number, kv: number, ready = true): Endpoint {
  return {
    address,
    ready,
    models,
    metrics: { waitingRequests: waiting, kvCacheUsage: kv },
  } as unknown as Endpoint;
}

describe("per-model autoscaling aggregates", () => {
  it("averages KV use and queue and counts ready endpoints per pool and model, over ready fresh endpoints", () => {
    const registry = new MetricsRegistry();
    const pool = {
      name: "pool-a",
      endpoints: [
        endpoint("10.0.0.1:8000", ["llama"], 2, 0.5),
        endpoint("10.0.0.2:8000", ["llama", "llama-lora"], 4, 0.7),
        endpoint("10.0.0.3:8000", [], 1, 0.1),
        endpoint("10.0.0.4:8000", ["llama"], 100, 1, false),
        endpoint("10.0.0.5:8000", ["llama"], 100, 1),
      ],
    } as unknown as PoolView;
    watchModelAggregates(registry, {
      pools: () => [pool],
      isStale: (e) => e.address === "10.0.0.5:8000",
    });
    const text = registry.expose();
    expect(text).toContain('llm_d_epp_model_ready_endpoints{name="pool-a",model_name="llama"} 2');
    expect(text).toContain('llm_d_epp_model_average_queue_size{name="pool-a",model_name="llama"} 3');
    expect(text).toContain(
      'llm_d_epp_model_average_kv_cache_utilization{name="pool-a",model_name="llama"} 0.6',
    );
    expect(text).toContain('llm_d_epp_model_ready_endpoints{name="pool-a",model_name="llama-lora"} 1');
    expect(text).toContain('llm_d_epp_model_ready_endpoints{name="pool-a",model_name="any"} 1');
  });
});
