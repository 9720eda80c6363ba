/**
 * low-queue-filter (legacy decision tree): keeps endpoints whose queue is at most `threshold`
 * (upstream queueingThresholdLoRA, default 128); queue = pushed waiting + the router's requests sent
 * since that push.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveQueue } from "../../endpoint-load.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const lowQueueFilterType = "low-queue-filter";
export const defaultQueueingThresholdLoRA = 128;

export class LowQueueFilter implements Filter {
  readonly type: string = lowQueueFilterType;
  readonly name: string;
  readonly threshold: number;
  constructor(name = lowQueueFilterType, threshold = defaultQueueingThresholdLoRA) {
    this.name = name;
    this.threshold = threshold;
  }
  filter(_ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const out: Endpoint[] = [];
    for (const e of endpoints) if (effectiveQueue(e) <= this.threshold) out.push(e);
    return out.length === endpoints.length ? endpoints : out;
  }
}

const schema = z.strictObject({ threshold: z.number().int().min(0).default(defaultQueueingThresholdLoRA) });

export const createLowQueueFilter: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(schema, name, lowQueueFilterType, parameters);
  return new LowQueueFilter(name, p.threshold);
};
