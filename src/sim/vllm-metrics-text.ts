/**
 * The simulator's /metrics in vLLM's Prometheus exposition (v1 engine names, labels engine="0" and
 * model_name), so the push agent and any vLLM dashboard read it as they read a real vLLM.
 */
import type { EngineMetrics } from "./engine-types.js";
import type { LatencyHistogram } from "./latency-histogram.js";

/** Everything one exposition is made from. */
export interface VllmMetricsInput {
  /** The served model name (`--served-model-name`). */
  modelName: string;
  metrics: EngineMetrics;
  ttft: LatencyHistogram;
  tpot: LatencyHistogram;
  e2e: LatencyHistogram;
  /** Value of vllm:lora_requests_info: a Unix timestamp in seconds, as vLLM sets it. */
  nowSeconds: number;
}

/** Escapes a label value (backslash, quote, newline) per the text format. */
function esc(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(",")}}`;
}

function num(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

class Writer {
  readonly lines: string[] = [];
  readonly base: Record<string, string>;

  constructor(base: Record<string, string>) {
    this.base = base;
  }

  one(name: string, type: "gauge" | "counter", help: string, value: number, extra = {}): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    this.lines.push(`${name}${labelText({ ...this.base, ...extra })} ${num(value)}`);
  }

  histogram(name: string, help: string, h: LatencyHistogram): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    const cum = h.cumulative();
    h.bounds.forEach((le, i) => {
      this.lines.push(`${name}_bucket${labelText({ ...this.base, le: num(le) })} ${num(cum[i]!)}`);
    });
    this.lines.push(`${name}_bucket${labelText({ ...this.base, le: "+Inf" })} ${num(h.count)}`);
    this.lines.push(`${name}_sum${labelText(this.base)} ${num(h.sum)}`);
    this.lines.push(`${name}_count${labelText(this.base)} ${num(h.count)}`);
  }
}

/**
 * Formats one exposition.
 *
 * @example
 * formatVllmMetrics({ modelName: "m", metrics: engine.metrics(), ttft, tpot, e2e, nowSeconds: Date.now() / 1000 });
 */
export function formatVllmMetrics(input: VllmMetricsInput): string {
  const m = input.metrics;
  const w = new Writer({ engine: "0", model_name: input.modelName });
  w.one(
    "vllm:num_requests_running",
    "gauge",
    "Number of requests in model execution batches.",
    m.runningRequests,
  );
  w.one(
    "vllm:num_requests_waiting",
    "gauge",
    "Number of requests waiting to be processed.",
    m.waitingRequests,
  );
  w.one("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.", m.kvCacheUsage);
  w.one("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage (deprecated name).", m.kvCacheUsage);
  w.one("vllm:lora_requests_info", "gauge", "Running stats on lora requests.", input.nowSeconds, {
    running_lora_adapters: m.activeAdapters.join(","),
    waiting_lora_adapters: m.waitingAdapters.join(","),
    max_lora: String(m.maxAdapters),
  });
  w.one("vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig.", 1, {
    block_size: String(m.blockSize),
    num_gpu_blocks: String(m.numBlocks),
    enable_prefix_caching: "True",
  });
  w.one(
    "vllm:prefix_cache_queries_total",
    "counter",
    "Prefix cache queries, in tokens.",
    m.prefixCacheQueries,
  );
  w.one("vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in tokens.", m.prefixCacheHits);
  w.one("vllm:num_preemptions_total", "counter", "Cumulative number of preemptions.", m.preemptions);
  w.one("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", m.promptTokens);
  w.one("vllm:generation_tokens_total", "counter", "Number of generation tokens.", m.generationTokens);
  w.one(
    "vllm:request_success_total",
    "counter",
    "Count of successfully processed requests.",
    m.finishedRequests,
    {
      finished_reason: "length",
    },
  );
  w.histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", input.ttft);
  w.histogram(
    "vllm:time_per_output_token_seconds",
    "Histogram of time per output token in seconds.",
    input.tpot,
  );
  w.histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", input.e2e);
  return `${w.lines.join("\n")}\n`;
}
