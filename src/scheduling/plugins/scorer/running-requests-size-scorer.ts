/**
 * running-requests-size-scorer: smaller running batch = higher score. score = (max - r) / (max - min),
 * 1 for all when equal; r = pushed running requests + the router's requests sent since that push.
 * No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveRunning, invertMinMax } from "../../endpoint-load.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const runningRequestsSizeScorerType = "running-requests-size-scorer";

export class RunningRequestsSizeScorer implements Scorer {
  readonly type = runningRequestsSizeScorerType;
  readonly name: string;
  constructor(name = runningRequestsSizeScorerType) {
    this.name = name;
  }
  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    const n = endpoints.length;
    for (let i = 0; i < n; i++) out[i] = effectiveRunning(endpoints[i]!);
    invertMinMax(out, n);
  }
}

export const createRunningRequestsSizeScorer: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, runningRequestsSizeScorerType, parameters);
  return new RunningRequestsSizeScorer(name);
};
