/**
 * near-max-score-picker (ours): a random endpoint among those whose weighted total is within
 * `epsilon` of the best (total >= best x (1 - epsilon)), uniformly; fallbacks follow, highest total
 * first (the rest of the near-best set in random order, then the others).
 *
 * Why not max-score-picker: several router replicas scoring the same stale snapshot all pick the same
 * argmax until the next push, and on a pool with nothing to gain (unique prompts, equal replicas) an
 * argmax over small load differences herds where round-robin would not. A random choice among the
 * near-best keeps the scorers' large preferences and spreads the small ones.
 * Parameters: maxNumOfEndpoints (1), epsilon (0.05; 0 = max-score-picker).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { defaultMaxNumOfEndpoints, type Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { TopK } from "./top-k.js";

export const nearMaxScorePickerType = "near-max-score-picker";
export const defaultNearMaxEpsilon = 0.05;

const parametersSchema = z.strictObject({
  maxNumOfEndpoints: z.number().int().min(1).max(100).default(defaultMaxNumOfEndpoints),
  epsilon: z.number().min(0).max(1).default(defaultNearMaxEpsilon),
});

export class NearMaxScorePicker implements Picker {
  readonly type = nearMaxScorePickerType;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly epsilon: number;
  readonly usesScores = true;
  readonly #top: TopK;
  #vals = new Float64Array(16);

  constructor(name = nearMaxScorePickerType, maxNumOfEndpoints = 1, epsilon = defaultNearMaxEpsilon) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
    this.epsilon = epsilon;
    this.#top = new TopK(maxNumOfEndpoints);
  }

  pick(
    ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    totals: Float64Array,
  ): Endpoint[] {
    const n = endpoints.length;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) if (totals[i]! > best) best = totals[i]!;
    const floor = best - Math.abs(best) * this.epsilon;
    if (this.maxNumOfEndpoints === 1) {
      // One pass, reservoir sampling over the near-best set.
      let chosen = 0;
      let seen = 0;
      for (let i = 0; i < n; i++) {
        if (totals[i]! >= floor && ctx.random.next() * ++seen < 1) chosen = i;
      }
      return [endpoints[chosen]!];
    }
    // The near-best set all rank as `best` (TopK orders ties at random), the rest by their totals.
    if (this.#vals.length < n) this.#vals = new Float64Array(n * 2);
    const vals = this.#vals;
    for (let i = 0; i < n; i++) vals[i] = totals[i]! >= floor ? best : totals[i]!;
    return this.#top.highest(endpoints, vals, ctx.random);
  }
}

export const createNearMaxScorePicker: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, nearMaxScorePickerType, parameters);
  return new NearMaxScorePicker(name, p.maxNumOfEndpoints, p.epsilon);
};
