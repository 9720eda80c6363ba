/**
 * TensorRT-LLM, in either of its two expositions:
 * - trtllm-serve (TensorRT-LLM's own OpenAI server; tensorrt_llm/metrics/collector.py, prefix
 *   "trtllm_"): trtllm_num_requests_waiting / _running, trtllm_kv_cache_utilization,
 *   trtllm_kv_cache_tokens_per_block, trtllm_kv_cache_max_blocks (llm-d's "trtllm-serve" defaults);
 * - Triton's TensorRT-LLM backend (the upstream picker's documented settings):
 *   nv_trt_llm_request_metrics{request_type="waiting"|"scheduled"} and
 *   nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction"|"tokens_per"|"max"}; older
 *   Triton builds lack "fraction", so used/max stands in for it.
 * trtllm-serve names are tried first; the Triton ones only when trtllm_num_requests_waiting is absent.
 */
import type { EndpointMetrics } from "../../state/types.js";
import type { MetricFamilies, Series } from "../exposition.js";
import { ScrapeError } from "../scrape-error.js";
import { meanFraction, requireSeries, selectSeries, sumCount } from "../series.js";
import type { EngineMapping } from "./engine-mapping.js";

const serveWaiting = "trtllm_num_requests_waiting";
const serveRunning = "trtllm_num_requests_running";
const serveKv = "trtllm_kv_cache_utilization";
const request = "nv_trt_llm_request_metrics";
const blocks = "nv_trt_llm_kv_cache_block_metrics";

function sumOptional(families: MetricFamilies, name: string, match: Record<string, string> = {}): number {
  const found = selectSeries(families, name, match);
  return found.length ? sumCount(found, name) : 0;
}

/** Block size is the same on every rank; the largest finite value, as an integer, 0 when absent. */
function largest(series: readonly Series[]): number {
  let best = 0;
  for (const s of series) if (Number.isFinite(s.value) && s.value > best) best = s.value;
  return Math.round(best);
}

function fromServe(families: MetricFamilies): EndpointMetrics {
  return {
    waitingRequests: sumCount(requireSeries(families, serveWaiting), serveWaiting),
    runningRequests: sumCount(requireSeries(families, serveRunning), serveRunning),
    kvCacheUsage: meanFraction(requireSeries(families, serveKv), serveKv),
    activeAdapters: [],
    waitingAdapters: [],
    maxAdapters: 0,
    blockSize: largest(selectSeries(families, "trtllm_kv_cache_tokens_per_block")),
    numBlocks: sumOptional(families, "trtllm_kv_cache_max_blocks"),
  };
}

function tritonKv(families: MetricFamilies): number {
  const fraction = selectSeries(families, blocks, { kv_cache_block_type: "fraction" });
  if (fraction.length) return meanFraction(fraction, `${blocks}{kv_cache_block_type="fraction"}`);
  const used = sumOptional(families, blocks, { kv_cache_block_type: "used" });
  const max = sumOptional(families, blocks, { kv_cache_block_type: "max" });
  if (max > 0) return Math.min(1, used / max);
  throw new ScrapeError(
    "missing-metric",
    `${blocks}{kv_cache_block_type="fraction"} (or "used" and "max") is not in the scrape`,
    blocks,
  );
}

function fromTriton(families: MetricFamilies): EndpointMetrics {
  const waiting = { request_type: "waiting" };
  const scheduled = { request_type: "scheduled" };
  return {
    waitingRequests: sumCount(requireSeries(families, request, waiting), request),
    runningRequests: sumCount(requireSeries(families, request, scheduled), request),
    kvCacheUsage: tritonKv(families),
    activeAdapters: [],
    waitingAdapters: [],
    maxAdapters: 0,
    blockSize: largest(selectSeries(families, blocks, { kv_cache_block_type: "tokens_per" })),
    numBlocks: sumOptional(families, blocks, { kv_cache_block_type: "max" }),
  };
}

/** The TensorRT-LLM mapping (trtllm-serve first, then Triton's TensorRT-LLM backend). */
export const trtllmMapping: EngineMapping = {
  engine: "trtllm",
  required: [
    `${serveWaiting}, ${serveRunning}, ${serveKv}`,
    `or ${request}{request_type="waiting"|"scheduled"}, ${blocks}{kv_cache_block_type="fraction"}`,
  ],
  toMetrics(families) {
    return families.has(serveWaiting) || !families.has(request) ? fromServe(families) : fromTriton(families);
  },
};
