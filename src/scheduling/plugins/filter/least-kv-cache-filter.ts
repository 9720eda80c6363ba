/**
 * least-kv-cache-filter (legacy decision tree): keeps the endpoints whose KV-cache usage falls in
 * the lowest 1/n of the [min, max] range (n = candidates). No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const leastKvCacheFilterType = "least-kv-cache-filter";

export class LeastKvCacheFilter implements Filter {
  readonly type: string = leastKvCacheFilterType;
  readonly name: string;
  constructor(name = leastKvCacheFilterType) {
    this.name = name;
  }
  filter(_ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const e of endpoints) {
      const kv = e.metrics.kvCacheUsage;
      if (kv < min) min = kv;
      if (kv > max) max = kv;
    }
    const limit = min + (max - min) / endpoints.length;
    const out: Endpoint[] = [];
    for (const e of endpoints) if (e.metrics.kvCacheUsage <= limit) out.push(e);
    return out.length === endpoints.length ? endpoints : out;
  }
}

export const createLeastKvCacheFilter: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, leastKvCacheFilterType, parameters);
  return new LeastKvCacheFilter(name);
};
