/**
 * sheddable-capacity-filter (legacy decision tree): passes every endpoint for requests with
 * priority >= 0; for sheddable requests keeps only endpoints with queue <= queueThresholdCritical
 * (default 5) and KV-cache usage <= kvCacheThreshold (default 0.8), so a sheddable request never
 * lands on a pod that critical traffic needs. Empty = the request is dropped.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveQueue } from "../../endpoint-load.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const sheddableCapacityFilterType = "sheddable-capacity-filter";
export const defaultQueueThresholdCritical = 5;
export const defaultKvCacheThreshold = 0.8;

export class SheddableCapacityFilter implements Filter {
  readonly type: string = sheddableCapacityFilterType;
  readonly name: string;
  readonly queueThresholdCritical: number;
  readonly kvCacheThreshold: number;
  constructor(
    name = sheddableCapacityFilterType,
    queueThresholdCritical = defaultQueueThresholdCritical,
    kvCacheThreshold = defaultKvCacheThreshold,
  ) {
    this.name = name;
    this.queueThresholdCritical = queueThresholdCritical;
    this.kvCacheThreshold = kvCacheThreshold;
  }
  filter(_ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    if (req.priority >= 0) return endpoints;
    const out: Endpoint[] = [];
    for (const e of endpoints) {
      if (effectiveQueue(e) <= this.queueThresholdCritical && e.metrics.kvCacheUsage <= this.kvCacheThreshold)
        out.push(e);
    }
    return out.length === endpoints.length ? endpoints : out;
  }
}

const schema = z.strictObject({
  queueThresholdCritical: z.number().int().min(0).default(defaultQueueThresholdCritical),
  kvCacheThreshold: z.number().min(0).max(1).default(defaultKvCacheThreshold),
});

export const createSheddableCapacityFilter: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(schema, name, sheddableCapacityFilterType, parameters);
  return new SheddableCapacityFilter(name, p.queueThresholdCritical, p.kvCacheThreshold);
};
