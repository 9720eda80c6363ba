/**
 * lora-affinity-filter (legacy decision tree): splits the candidates into those with the adapter
 * active or waiting ("affinity") and those with room to load it ("available"). With both groups
 * present it keeps the affinity group with probability `threshold` (upstream loraAffinityThreshold,
 * default 0.999; the rest spreads adapters), else whichever group is non-empty.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const loraAffinityFilterType = "lora-affinity-filter";
export const defaultLoraAffinityThreshold = 0.999;

export class LoraAffinityFilter implements Filter {
  readonly type: string = loraAffinityFilterType;
  readonly name: string;
  readonly threshold: number;
  constructor(name = loraAffinityFilterType, threshold = defaultLoraAffinityThreshold) {
    this.name = name;
    this.threshold = threshold;
  }
  filter(ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const affinity: Endpoint[] = [];
    const available: Endpoint[] = [];
    const model = req.targetModel;
    for (const e of endpoints) {
      const m = e.metrics;
      if (m.activeAdapters.includes(model) || m.waitingAdapters.includes(model)) affinity.push(e);
      else if (m.activeAdapters.length + m.waitingAdapters.length < m.maxAdapters) available.push(e);
    }
    if (affinity.length > 0 && available.length > 0) {
      return ctx.random.next() < this.threshold ? affinity : available;
    }
    return affinity.length > 0 ? affinity : available;
  }
}

const schema = z.strictObject({ threshold: z.number().min(0).max(1).default(defaultLoraAffinityThreshold) });

export const createLoraAffinityFilter: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(schema, name, loraAffinityFilterType, parameters);
  return new LoraAffinityFilter(name, p.threshold);
};
