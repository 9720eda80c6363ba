/**
 * SGLang. Queue, running and KV names are the upstream endpoint picker's SGLang settings; the cache
 * config (sglang:cache_config_info with labels page_size / num_pages) follows llm-d's defaults and
 * is optional. SGLang exposes no LoRA state the picker reads. With data-parallel attention there is
 * one series per DP rank: counts are summed, token_usage (already a 0..1 fraction) averaged.
 */
import { intLabel, meanFraction, requireSeries, selectSeries, sumCount } from "../series.js";
import type { EngineMapping } from "./engine-mapping.js";

const waiting = "sglang:num_queue_reqs";
const running = "sglang:num_running_reqs";
const kvUsage = "sglang:token_usage";
const cacheConfig = "sglang:cache_config_info";

/** The SGLang mapping. */
export const sglangMapping: EngineMapping = {
  engine: "sglang",
  required: [waiting, running, kvUsage],
  toMetrics(families) {
    const caches = selectSeries(families, cacheConfig);
    return {
      waitingRequests: sumCount(requireSeries(families, waiting), waiting),
      runningRequests: sumCount(requireSeries(families, running), running),
      kvCacheUsage: meanFraction(requireSeries(families, kvUsage), kvUsage),
      activeAdapters: [],
      waitingAdapters: [],
      maxAdapters: 0,
      blockSize: intLabel(caches[0], "page_size"),
      numBlocks: caches.reduce((n, s) => n + intLabel(s, "num_pages"), 0),
    };
  },
};
