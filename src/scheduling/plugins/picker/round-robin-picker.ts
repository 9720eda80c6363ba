/**
 * round-robin-picker (benchmark baseline): cycles through the candidates in order, scores ignored;
 * fallbacks are the next ones in the cycle. Dry runs do not advance the cycle.
 * Parameter: maxNumOfEndpoints (default 1).
 */
import type { Endpoint } from "../../../state/types.js";
import type { Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { pickerParametersSchema } from "./picker-parameters.js";

export const roundRobinPickerType = "round-robin-picker";

export class RoundRobinPicker implements Picker {
  readonly type = roundRobinPickerType;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly usesScores = false;
  #next = 0;

  constructor(name = roundRobinPickerType, maxNumOfEndpoints = 1) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  pick(ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): Endpoint[] {
    const n = endpoints.length;
    const start = this.#next % n;
    if (!ctx.dryRun) this.#next = (start + 1) % n;
    const m = Math.min(this.maxNumOfEndpoints, n);
    const out = new Array<Endpoint>(m);
    for (let j = 0; j < m; j++) out[j] = endpoints[(start + j) % n]!;
    return out;
  }
}

export const createRoundRobinPicker: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(pickerParametersSchema, name, roundRobinPickerType, parameters);
  return new RoundRobinPicker(name, p.maxNumOfEndpoints);
};
