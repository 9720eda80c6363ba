/**
 * max-score-picker: the endpoints with the highest weighted total, best first; ties broken at
 * random (through the injected Random). Parameter: maxNumOfEndpoints (default 1).
 */
import type { Endpoint } from "../../../state/types.js";
import type { Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { pickerParametersSchema } from "./picker-parameters.js";
import { TopK } from "./top-k.js";

export const maxScorePickerType = "max-score-picker";

export class MaxScorePicker implements Picker {
  readonly type = maxScorePickerType;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly usesScores = true;
  readonly #top: TopK;

  constructor(name = maxScorePickerType, maxNumOfEndpoints = 1) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
    this.#top = new TopK(maxNumOfEndpoints);
  }

  pick(
    ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    totals: Float64Array,
  ): Endpoint[] {
    if (this.maxNumOfEndpoints > 1) return this.#top.highest(endpoints, totals, ctx.random);
    // k = 1: one pass; reservoir sampling among the ties draws randomness only when there is a tie.
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    let ties = 0;
    for (let i = 0; i < endpoints.length; i++) {
      const t = totals[i]!;
      if (t > bestScore) {
        bestScore = t;
        best = i;
        ties = 1;
      } else if (t === bestScore && ctx.random.next() * ++ties < 1) {
        best = i;
      }
    }
    return [endpoints[best]!];
  }
}

export const createMaxScorePicker: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(pickerParametersSchema, name, maxScorePickerType, parameters);
  return new MaxScorePicker(name, p.maxNumOfEndpoints);
};
