/**
 * Every built-in plugin type, registered in this one place. Type names are the upstream ones where
 * the concept is the same, so an existing EndpointPickerConfig carries over; the legacy filters are
 * also registered under their older short names. Peers' policies re-implemented for the quality
 * benchmark (SGLang cache_aware, Dynamo KV cost) are not here: test/bench/baselines/ registers them
 * for the benchmark only.
 */
import type { PluginFactory } from "./framework/plugin.js";
import { costAwareFilterType, createCostAwareFilter } from "./plugins/filter/cost-aware-filter.js";
import { createDecisionTreeFilter, decisionTreeFilterType } from "./plugins/filter/decision-tree-filter.js";
import { createDecodeFilter, decodeFilterType } from "./plugins/filter/decode-filter.js";
import { createKvHeadroomFilter, kvHeadroomFilterType } from "./plugins/filter/kv-headroom-filter.js";
import { createLeastKvCacheFilter, leastKvCacheFilterType } from "./plugins/filter/least-kv-cache-filter.js";
import { createLeastQueueFilter, leastQueueFilterType } from "./plugins/filter/least-queue-filter.js";
import { createLoraAffinityFilter, loraAffinityFilterType } from "./plugins/filter/lora-affinity-filter.js";
import { createLowQueueFilter, lowQueueFilterType } from "./plugins/filter/low-queue-filter.js";
import { createPrefillFilter, prefillFilterType } from "./plugins/filter/prefill-filter.js";
import {
  createPrefixCacheAffinityFilter,
  prefixCacheAffinityFilterType,
} from "./plugins/filter/prefix-cache-affinity-filter.js";
import { createServiceTimeFilter, serviceTimeFilterType } from "./plugins/filter/service-time-filter.js";
import {
  createSheddableCapacityFilter,
  sheddableCapacityFilterType,
} from "./plugins/filter/sheddable-capacity-filter.js";
import { leastRequestPickerFactory, leastRequestPickerType } from "./plugins/picker/least-request-picker.js";
import { createMaxScorePicker, maxScorePickerType } from "./plugins/picker/max-score-picker.js";
import { createNearMaxScorePicker, nearMaxScorePickerType } from "./plugins/picker/near-max-score-picker.js";
import { createRandomPicker, randomPickerType } from "./plugins/picker/random-picker.js";
import { createRoundRobinPicker, roundRobinPickerType } from "./plugins/picker/round-robin-picker.js";
import { createShareSampledPicker, shareSampledPickerType } from "./plugins/picker/share-sampled-picker.js";
import {
  createWeightedRandomPicker,
  weightedRandomPickerType,
} from "./plugins/picker/weighted-random-picker.js";
import {
  alwaysDisaggPdDeciderType,
  createAlwaysDisaggPdDecider,
} from "./plugins/profile-handler/always-disagg-pd-decider.js";
import {
  createDisaggProfileHandler,
  disaggProfileHandlerType,
} from "./plugins/profile-handler/disagg-profile-handler.js";
import {
  createPrefixBasedPdDecider,
  prefixBasedPdDeciderType,
} from "./plugins/profile-handler/prefix-based-pd-decider.js";
import {
  createSingleProfileHandler,
  singleProfileHandlerType,
} from "./plugins/profile-handler/single-profile-handler.js";
import {
  activeRequestScorerType,
  createActiveRequestScorer,
} from "./plugins/scorer/active-request-scorer.js";
import {
  createKvCacheUtilizationScorer,
  kvCacheUtilizationScorerType,
} from "./plugins/scorer/kv-cache-utilization-scorer.js";
import { createLoadAwareScorer, loadAwareScorerType } from "./plugins/scorer/load-aware-scorer.js";
import { createLoraAffinityScorer, loraAffinityScorerType } from "./plugins/scorer/lora-affinity-scorer.js";
import { createNoHitLruScorer, noHitLruScorerType } from "./plugins/scorer/no-hit-lru-scorer.js";
import {
  createOutstandingTokensScorer,
  outstandingTokensScorerType,
} from "./plugins/scorer/outstanding-tokens-scorer.js";
import { createPrefixCacheScorer, prefixCacheScorerType } from "./plugins/scorer/prefix-cache-scorer.js";
import { createQueueScorer, queueScorerType } from "./plugins/scorer/queue-scorer.js";
import {
  createRunningRequestsSizeScorer,
  runningRequestsSizeScorerType,
} from "./plugins/scorer/running-requests-size-scorer.js";
import { createServiceTimeScorer, serviceTimeScorerType } from "./plugins/scorer/service-time-scorer.js";
import { createShareScaledScorer, shareScaledScorerType } from "./plugins/scorer/share-scaled-scorer.js";
import { createTokenLoadScorer, tokenLoadScorerType } from "./plugins/scorer/token-load-scorer.js";

/** Plugin type -> factory. */
export type PluginRegistry = ReadonlyMap<string, PluginFactory>;

/** The built-in plugins. */
export const builtinPlugins: PluginRegistry = new Map<string, PluginFactory>([
  // scorers
  [queueScorerType, createQueueScorer],
  [kvCacheUtilizationScorerType, createKvCacheUtilizationScorer],
  [loraAffinityScorerType, createLoraAffinityScorer],
  [runningRequestsSizeScorerType, createRunningRequestsSizeScorer],
  [tokenLoadScorerType, createTokenLoadScorer],
  [prefixCacheScorerType, createPrefixCacheScorer],
  [outstandingTokensScorerType, createOutstandingTokensScorer],
  [activeRequestScorerType, createActiveRequestScorer],
  [noHitLruScorerType, createNoHitLruScorer],
  [loadAwareScorerType, createLoadAwareScorer],
  [shareScaledScorerType, createShareScaledScorer],
  [serviceTimeScorerType, createServiceTimeScorer],
  // pickers
  [maxScorePickerType, createMaxScorePicker],
  [nearMaxScorePickerType, createNearMaxScorePicker],
  [randomPickerType, createRandomPicker],
  [weightedRandomPickerType, createWeightedRandomPicker],
  [roundRobinPickerType, createRoundRobinPicker],
  [shareSampledPickerType, createShareSampledPicker],
  [leastRequestPickerType, leastRequestPickerFactory(leastRequestPickerType)],
  ["least-request", leastRequestPickerFactory("least-request")],
  // filters (legacy decision tree), with upstream's short names as aliases
  [lowQueueFilterType, createLowQueueFilter],
  ["low-queue", createLowQueueFilter],
  [loraAffinityFilterType, createLoraAffinityFilter],
  ["lora-affinity", createLoraAffinityFilter],
  [leastQueueFilterType, createLeastQueueFilter],
  ["least-queue", createLeastQueueFilter],
  [leastKvCacheFilterType, createLeastKvCacheFilter],
  ["least-kv-cache", createLeastKvCacheFilter],
  [sheddableCapacityFilterType, createSheddableCapacityFilter],
  [decisionTreeFilterType, createDecisionTreeFilter],
  ["decision-tree", createDecisionTreeFilter],
  [prefixCacheAffinityFilterType, createPrefixCacheAffinityFilter],
  [costAwareFilterType, createCostAwareFilter],
  [kvHeadroomFilterType, createKvHeadroomFilter],
  [serviceTimeFilterType, createServiceTimeFilter],
  // profile handlers
  [singleProfileHandlerType, createSingleProfileHandler],
  // disaggregated prefill/decode (upstream llm-d names)
  [disaggProfileHandlerType, createDisaggProfileHandler],
  [prefillFilterType, createPrefillFilter],
  [decodeFilterType, createDecodeFilter],
  [prefixBasedPdDeciderType, createPrefixBasedPdDecider],
  [alwaysDisaggPdDeciderType, createAlwaysDisaggPdDecider],
]);
