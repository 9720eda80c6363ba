/**
 * queue-scorer: shorter queue = higher score. score = (max - q) / (max - min) over the candidates,
 * 1 for all when every queue is equal; q = pushed waiting requests + the router's requests sent since
 * that push. No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveQueue, invertMinMax } from "../../endpoint-load.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const queueScorerType = "queue-scorer";

export class QueueScorer implements Scorer {
  readonly type = queueScorerType;
  readonly name: string;
  constructor(name = queueScorerType) {
    this.name = name;
  }
  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    const n = endpoints.length;
    for (let i = 0; i < n; i++) out[i] = effectiveQueue(endpoints[i]!);
    invertMinMax(out, n);
  }
}

export const createQueueScorer: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, queueScorerType, parameters);
  return new QueueScorer(name);
};
