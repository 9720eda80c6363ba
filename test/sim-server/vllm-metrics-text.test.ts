import { describe, expect, it } from "vitest";
import { createEngine } from "../../src/sim/index.js";
import { e2eBuckets, LatencyHistogram, tpotBuckets, ttftBuckets } from "../../src/sim/latency-histogram.js";
import { formatVllmMetrics } from "../../src/sim/vllm-metrics-text.js";
import { parsePrometheus, sample } from "./helpers.js";

function exposition() {
  const engine = createEngine({ preset: "demo" });
  engine.submit({ id: "a", promptTokens: 100, maxTokens: 5, adapter: "sql" }, 0);
  engine.submit({ id: "b", promptTokens: 100, maxTokens: 5 }, 0);
  engine.step(0);
  const ttft = new LatencyHistogram(ttftBuckets);
  ttft.observe(0.03);
  ttft.observe(0.3);
  return formatVllmMetrics({
    modelName: "llama",
    metrics: engine.metrics(),
    ttft,
    tpot: new LatencyHistogram(tpotBuckets),
    e2e: new LatencyHistogram(e2eBuckets),
    nowSeconds: 1700000000.5,
  });
}

describe("vllm-metrics-text", () => {
  it("parses with the Prometheus text parser and carries engine and model_name labels", () => {
    const families = parsePrometheus(exposition());
    for (const f of families) {
      if (f.type === "HISTOGRAM") continue;
      expect(f.metrics[0]?.labels).toMatchObject({ engine: "0", model_name: "llama" });
    }
    expect(sample(families, "vllm:num_requests_running")).toBe(2);
    expect(sample(families, "vllm:num_requests_waiting")).toBe(0);
    expect(sample(families, "vllm:kv_cache_usage_perc")).toBeGreaterThan(0);
    expect(sample(families, "vllm:gpu_cache_usage_perc")).toBe(sample(families, "vllm:kv_cache_usage_perc"));
    expect(sample(families, "vllm:prefix_cache_queries_total")).toBe(200);
  });

  it("writes LoRA info as a timestamp gauge and the cache config as labels", () => {
    const families = parsePrometheus(exposition());
    const lora = families.find((f) => f.name === "vllm:lora_requests_info")!;
    expect(lora.type).toBe("GAUGE");
    expect(Number(lora.metrics[0]!.value)).toBe(1700000000.5);
    expect(lora.metrics[0]!.labels).toMatchObject({
      running_lora_adapters: "sql",
      waiting_lora_adapters: "",
      max_lora: "2",
    });
    const cache = families.find((f) => f.name === "vllm:cache_config_info")!;
    expect(cache.metrics[0]!.labels).toMatchObject({ block_size: "16", num_gpu_blocks: "150" });
  });

  it("writes cumulative histograms with vLLM's bucket boundaries", () => {
    const families = parsePrometheus(exposition());
    const ttft = families.find((f) => f.name === "vllm:time_to_first_token_seconds")!;
    expect(ttft.type).toBe("HISTOGRAM");
    const buckets = ttft.metrics[0]!.buckets!;
    expect(Object.keys(buckets)).toHaveLength(ttftBuckets.length + 1);
    expect(buckets["0.02"]).toBe("0.0");
    expect(buckets["0.04"]).toBe("1.0");
    expect(buckets["0.5"]).toBe("2.0");
    expect(buckets["+Inf"]).toBe("2.0");
    expect(families.some((f) => f.name === "vllm:time_per_output_token_seconds")).toBe(true);
  });
});
