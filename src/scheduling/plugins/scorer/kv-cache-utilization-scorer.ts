/**
 * kv-cache-utilization-scorer: more free KV cache = higher score. score = 1 - kvCacheUsage (pushed
 * figure; the router cannot estimate blocks of requests it sent since). No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const kvCacheUtilizationScorerType = "kv-cache-utilization-scorer";

export class KvCacheUtilizationScorer implements Scorer {
  readonly type = kvCacheUtilizationScorerType;
  readonly name: string;
  constructor(name = kvCacheUtilizationScorerType) {
    this.name = name;
  }
  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    for (let i = 0; i < endpoints.length; i++) out[i] = 1 - endpoints[i]!.metrics.kvCacheUsage;
  }
}

export const createKvCacheUtilizationScorer: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, kvCacheUtilizationScorerType, parameters);
  return new KvCacheUtilizationScorer(name);
};
