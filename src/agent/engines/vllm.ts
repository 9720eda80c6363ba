/**
 * vLLM (V0 and V1). Names are the upstream endpoint picker's vLLM defaults. vLLM V1 labels every
 * series with engine="<data-parallel index>" and model_name: counts are summed over engines, KV use
 * is averaged (each rank owns an equal share of the cache), cache blocks are summed.
 */
import type { MetricFamilies } from "../exposition.js";
import { ScrapeError } from "../scrape-error.js";
import {
  intLabel,
  latestSeries,
  listLabel,
  meanFraction,
  requireSeries,
  selectSeries,
  sumCount,
} from "../series.js";
import type { EngineMapping } from "./engine-mapping.js";

const waiting = "vllm:num_requests_waiting";
const running = "vllm:num_requests_running";
const kvUsage = "vllm:kv_cache_usage_perc";
/** Name before vLLM 0.10 renamed it; still read when the new one is absent. */
const kvUsageLegacy = "vllm:gpu_cache_usage_perc";
const lora = "vllm:lora_requests_info";
const cacheConfig = "vllm:cache_config_info";

function kvFraction(families: MetricFamilies): number {
  const current = selectSeries(families, kvUsage);
  if (current.length) return meanFraction(current, kvUsage);
  const legacy = selectSeries(families, kvUsageLegacy);
  if (legacy.length) return meanFraction(legacy, kvUsageLegacy);
  throw new ScrapeError("missing-metric", `${kvUsage} (or ${kvUsageLegacy}) is not in the scrape`, kvUsage);
}

/** The vLLM mapping. */
export const vllmMapping: EngineMapping = {
  engine: "vllm",
  required: [waiting, running, `${kvUsage} | ${kvUsageLegacy}`],
  toMetrics(families) {
    // lora_requests_info has one series per distinct label set ever reported; its value is the time
    // it was last set, so the series with the largest value is the current state.
    const loraNow = latestSeries(selectSeries(families, lora));
    const caches = selectSeries(families, cacheConfig);
    return {
      waitingRequests: sumCount(requireSeries(families, waiting), waiting),
      runningRequests: sumCount(requireSeries(families, running), running),
      kvCacheUsage: kvFraction(families),
      activeAdapters: listLabel(loraNow, "running_lora_adapters"),
      waitingAdapters: listLabel(loraNow, "waiting_lora_adapters"),
      maxAdapters: intLabel(loraNow, "max_lora"),
      blockSize: intLabel(caches[0], "block_size"),
      numBlocks: caches.reduce((n, s) => n + intLabel(s, "num_gpu_blocks"), 0),
    };
  },
};
