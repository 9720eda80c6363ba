/**
 * load-aware-scorer (upstream name and parameter): an empty queue scores 0.5, a queue scores less
 * the longer it is, down to 0 at `threshold`.
 *
 *   q     = waiting requests (pushed) + the router's requests sent since that push
 *   score = 0.5                                  when q = 0
 *         = 0.5 x (1 - min(q, threshold) / threshold)  otherwise
 *
 * The score never exceeds 0.5, so its effective weight is about half the configured one (upstream
 * keeps the upper half for "spare capacity", not used yet). Difference from upstream: q folds in the
 * requests this router sent since the last push, as our queue-scorer does. Parameter: threshold (128).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveQueue } from "../../endpoint-load.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const loadAwareScorerType = "load-aware-scorer";
export const defaultLoadAwareThreshold = 128;

const parametersSchema = z.strictObject({
  threshold: z.number().int().min(1).max(1_000_000).default(defaultLoadAwareThreshold),
});

/** The score of a queue of `q` requests against `threshold`. */
export function loadAwareScore(q: number, threshold: number): number {
  if (q <= 0) return 0.5;
  return 0.5 * (1 - Math.min(q, threshold) / threshold);
}

export class LoadAwareScorer implements Scorer {
  readonly type = loadAwareScorerType;
  readonly name: string;
  readonly threshold: number;

  constructor(name = loadAwareScorerType, threshold = defaultLoadAwareThreshold) {
    this.name = name;
    this.threshold = threshold;
  }

  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    for (let i = 0; i < endpoints.length; i++)
      out[i] = loadAwareScore(effectiveQueue(endpoints[i]!), this.threshold);
  }
}

export const createLoadAwareScorer: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, loadAwareScorerType, parameters);
  return new LoadAwareScorer(name, p.threshold);
};
