/**
 * The benchmark's plugin registry: every built-in plugin plus the peers' policies re-implemented for
 * comparison (./README.md). They live here, not in src/scheduling/registry.ts, because no product
 * config should run them: a user's config naming one is refused as an unknown plugin type.
 */
import { builtinPlugins, type PluginRegistry } from "../../../src/scheduling/registry.js";
import { createDynamoKvCostPicker, dynamoKvCostPickerType } from "./dynamo-kv-cost-picker.js";
import { createSglangCacheAwarePicker, sglangCacheAwarePickerType } from "./sglang-cache-aware-picker.js";

/** Built-ins + sglang-cache-aware-picker + dynamo-kv-cost-picker; pass as `createScheduler({ registry })`. */
export const benchmarkPlugins: PluginRegistry = new Map([
  ...builtinPlugins,
  [sglangCacheAwarePickerType, createSglangCacheAwarePicker],
  [dynamoKvCostPickerType, createDynamoKvCostPicker],
]);
