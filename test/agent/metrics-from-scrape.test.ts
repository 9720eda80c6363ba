import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { metricsFromScrape } from "../../src/agent/metrics-from-scrape.js";
import { ScrapeError } from "../../src/agent/scrape-error.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

function scrapeError(fn: () => unknown): ScrapeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScrapeError) return e;
    throw e;
  }
  throw new Error("expected a ScrapeError");
}

describe("metricsFromScrape: vLLM", () => {
  it("sums counts over data-parallel engines, averages KV use, reads LoRA and cache config", () => {
    expect(metricsFromScrape("vllm", fixture("vllm.txt"))).toEqual({
      waitingRequests: 4,
      runningRequests: 12,
      kvCacheUsage: 0.5,
      activeAdapters: ["sql-lora", "tweet-summary"],
      waitingAdapters: ["chat-lora"],
      maxAdapters: 4,
      blockSize: 16,
      numBlocks: 54000,
    });
  });

  it("falls back to vllm:gpu_cache_usage_perc on older vLLM", () => {
    const old = fixture("vllm.txt").replaceAll("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc");
    expect(metricsFromScrape("vllm", old).kvCacheUsage).toBe(0.5);
  });

  it("reports no LoRA and unknown cache size when those info metrics are absent", () => {
    const bare = fixture("vllm.txt")
      .split("\n")
      .filter((l) => !l.includes("lora_requests_info") && !l.includes("cache_config_info"))
      .join("\n");
    const m = metricsFromScrape("vllm", bare);
    expect(m).toMatchObject({
      activeAdapters: [],
      waitingAdapters: [],
      maxAdapters: 0,
      blockSize: 0,
      numBlocks: 0,
    });
  });

  it("reads the last sample even without a trailing newline", () => {
    const text = "vllm:num_requests_waiting 2\nvllm:num_requests_running 1\nvllm:kv_cache_usage_perc 0.1";
    expect(metricsFromScrape("vllm", text).kvCacheUsage).toBe(0.1);
  });

  it("refuses a scrape that lacks a required metric, naming it", () => {
    const text = fixture("vllm.txt").replaceAll("vllm:num_requests_waiting", "vllm:something_else");
    const e = scrapeError(() => metricsFromScrape("vllm", text));
    expect(e.reason).toBe("missing-metric");
    expect(e.metric).toBe("vllm:num_requests_waiting");
  });

  it("refuses a scrape without any KV-cache metric", () => {
    const text = fixture("vllm.txt").replaceAll("vllm:kv_cache_usage_perc", "vllm:other");
    expect(scrapeError(() => metricsFromScrape("vllm", text)).message).toMatch(/kv_cache_usage_perc/);
  });

  it.each([
    ["plain text", "this is not prometheus\n"],
    ["an HTML error page", "<html><body>502 Bad Gateway</body></html>\n"],
    ["JSON", '{"error": "boom"}\n'],
    ["a sample with a non-numeric value", 'vllm:num_requests_waiting{engine="0"} lots\n'],
    ["a broken label set", 'vllm:num_requests_waiting{engine="0" 3\n'],
  ])("refuses %s as a parse error", (_what, text) => {
    expect(scrapeError(() => metricsFromScrape("vllm", text)).reason).toBe("parse");
  });

  it("refuses an empty body as missing metrics", () => {
    expect(scrapeError(() => metricsFromScrape("vllm", "")).reason).toBe("missing-metric");
  });

  it.each(["NaN", "-1", "+Inf"])("refuses a request count of %s as a bad value", (value) => {
    const text = `vllm:num_requests_waiting ${value}\nvllm:num_requests_running 0\nvllm:kv_cache_usage_perc 0\n`;
    const e = scrapeError(() => metricsFromScrape("vllm", text));
    expect([e.reason, e.metric]).toEqual(["bad-value", "vllm:num_requests_waiting"]);
  });

  it("clamps KV use into 0..1", () => {
    const text = "vllm:num_requests_waiting 0\nvllm:num_requests_running 0\nvllm:kv_cache_usage_perc 1.2\n";
    expect(metricsFromScrape("vllm", text).kvCacheUsage).toBe(1);
  });
});

describe("metricsFromScrape: SGLang", () => {
  it("maps queue, running and token usage", () => {
    expect(metricsFromScrape("sglang", fixture("sglang.txt"))).toEqual({
      waitingRequests: 2,
      runningRequests: 9,
      kvCacheUsage: 0.47,
      activeAdapters: [],
      waitingAdapters: [],
      maxAdapters: 0,
      blockSize: 0,
      numBlocks: 0,
    });
  });

  it("reads sglang:cache_config_info page_size / num_pages when exposed", () => {
    const text = `${fixture("sglang.txt")}sglang:cache_config_info{num_pages="90000",page_size="1"} 1.0\n`;
    expect(metricsFromScrape("sglang", text)).toMatchObject({ blockSize: 1, numBlocks: 90000 });
  });

  it("refuses a vLLM scrape (wrong --engine) as missing metrics", () => {
    expect(scrapeError(() => metricsFromScrape("sglang", fixture("vllm.txt"))).metric).toBe(
      "sglang:num_queue_reqs",
    );
  });
});

describe("metricsFromScrape: TensorRT-LLM", () => {
  it("maps trtllm-serve's trtllm_ metrics", () => {
    expect(metricsFromScrape("trtllm", fixture("trtllm.txt"))).toEqual({
      waitingRequests: 6,
      runningRequests: 11,
      kvCacheUsage: 0.18,
      activeAdapters: [],
      waitingAdapters: [],
      maxAdapters: 0,
      blockSize: 32,
      numBlocks: 6239,
    });
  });

  it("maps Triton's nv_trt_llm_ metrics (waiting, scheduled, fraction)", () => {
    expect(metricsFromScrape("trtllm", fixture("trtllm-triton.txt"))).toMatchObject({
      waitingRequests: 4,
      runningRequests: 8,
      kvCacheUsage: 0.25,
      blockSize: 64,
      numBlocks: 6239,
    });
  });

  it("derives KV use from used/max on Triton builds without the fraction series", () => {
    const text = fixture("trtllm-triton.txt")
      .split("\n")
      .filter((l) => !l.includes('"fraction"'))
      .join("\n");
    expect(metricsFromScrape("trtllm", text).kvCacheUsage).toBeCloseTo(1560 / 6239);
  });

  it("refuses a scrape with neither exposition", () => {
    expect(scrapeError(() => metricsFromScrape("trtllm", fixture("sglang.txt"))).reason).toBe(
      "missing-metric",
    );
  });
});
