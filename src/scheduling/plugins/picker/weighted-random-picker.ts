/**
 * weighted-random-picker: random endpoints with probability proportional to their weighted total
 * (A-Res reservoir sampling: key = u^(1/score), highest keys win). Endpoints scoring 0 come last;
 * when every score is 0 it picks uniformly. Parameter: maxNumOfEndpoints (default 1).
 */
import type { Endpoint } from "../../../state/types.js";
import type { Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { pickerParametersSchema } from "./picker-parameters.js";
import { pickUniform } from "./random-picker.js";
import { TopK } from "./top-k.js";

export const weightedRandomPickerType = "weighted-random-picker";

export class WeightedRandomPicker implements Picker {
  readonly type = weightedRandomPickerType;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly usesScores = true;
  readonly #top: TopK;
  #keys = new Float64Array(16);

  constructor(name = weightedRandomPickerType, maxNumOfEndpoints = 1) {
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
    const n = endpoints.length;
    if (this.#keys.length < n) this.#keys = new Float64Array(n * 2);
    const keys = this.#keys;
    let positive = false;
    for (let i = 0; i < n; i++) {
      const w = totals[i]!;
      if (w > 0) {
        positive = true;
        const u = ctx.random.next() || 1e-10;
        keys[i] = u ** (1 / w);
      } else {
        keys[i] = 0;
      }
    }
    if (!positive) return pickUniform(endpoints, this.maxNumOfEndpoints, ctx.random);
    return this.#top.highest(endpoints, keys, ctx.random);
  }
}

export const createWeightedRandomPicker: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(pickerParametersSchema, name, weightedRandomPickerType, parameters);
  return new WeightedRandomPicker(name, p.maxNumOfEndpoints);
};
