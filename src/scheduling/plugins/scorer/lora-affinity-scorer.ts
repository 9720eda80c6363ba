/**
 * lora-affinity-scorer: prefers endpoints that already serve the requested adapter.
 * 1.0 adapter active; 0.8 room to load one more (active + waiting < maxAdapters); 0.6 adapter
 * already waiting to load; 0 otherwise. No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const loraAffinityScorerType = "lora-affinity-scorer";

/** The affinity of one endpoint for `model` (shared with lora-affinity-filter). */
export function loraAffinity(e: Endpoint, model: string): number {
  const m = e.metrics;
  if (m.activeAdapters.includes(model)) return 1;
  if (m.activeAdapters.length + m.waitingAdapters.length < m.maxAdapters) return 0.8;
  if (m.waitingAdapters.includes(model)) return 0.6;
  return 0;
}

export class LoraAffinityScorer implements Scorer {
  readonly type = loraAffinityScorerType;
  readonly name: string;
  constructor(name = loraAffinityScorerType) {
    this.name = name;
  }
  score(_ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    for (let i = 0; i < endpoints.length; i++) out[i] = loraAffinity(endpoints[i]!, req.targetModel);
  }
}

export const createLoraAffinityScorer: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, loraAffinityScorerType, parameters);
  return new LoraAffinityScorer(name);
};
