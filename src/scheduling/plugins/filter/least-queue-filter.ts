/**
 * least-queue-filter (legacy decision tree): keeps the endpoints whose queue falls in the lowest
 * 1/n of the [min, max] range (n = candidates), so the next filter still has a choice among the
 * nearly-least-loaded ones. Queue = pushed waiting + the router's requests sent since. No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveQueue } from "../../endpoint-load.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const leastQueueFilterType = "least-queue-filter";

export class LeastQueueFilter implements Filter {
  readonly type: string = leastQueueFilterType;
  readonly name: string;
  constructor(name = leastQueueFilterType) {
    this.name = name;
  }
  filter(_ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const e of endpoints) {
      const q = effectiveQueue(e);
      if (q < min) min = q;
      if (q > max) max = q;
    }
    // Upstream divides integers here; flooring keeps its band edges.
    const limit = min + Math.floor((max - min) / endpoints.length);
    const out: Endpoint[] = [];
    for (const e of endpoints) if (effectiveQueue(e) <= limit) out.push(e);
    return out.length === endpoints.length ? endpoints : out;
  }
}

export const createLeastQueueFilter: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, leastQueueFilterType, parameters);
  return new LeastQueueFilter(name);
};
