/**
 * random-picker: uniformly random endpoints, scores ignored (a baseline, and the fallback of
 * weighted-random-picker). Parameter: maxNumOfEndpoints (default 1).
 */
import type { Random } from "../../../core/random.js";
import type { Endpoint } from "../../../state/types.js";
import type { Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { pickerParametersSchema } from "./picker-parameters.js";

export const randomPickerType = "random-picker";

/** k distinct endpoints uniformly at random (partial Fisher-Yates over indices). */
export function pickUniform(endpoints: readonly Endpoint[], k: number, random: Random): Endpoint[] {
  const n = endpoints.length;
  if (k === 1 || n === 1) return [endpoints[Math.floor(random.next() * n)]!];
  const m = Math.min(k, n);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const out = new Array<Endpoint>(m);
  for (let j = 0; j < m; j++) {
    const r = j + Math.floor(random.next() * (n - j));
    const chosen = idx[r]!;
    idx[r] = idx[j]!;
    out[j] = endpoints[chosen]!;
  }
  return out;
}

export class RandomPicker implements Picker {
  readonly type = randomPickerType;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly usesScores = false;

  constructor(name = randomPickerType, maxNumOfEndpoints = 1) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  pick(ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): Endpoint[] {
    return pickUniform(endpoints, this.maxNumOfEndpoints, ctx.random);
  }
}

export const createRandomPicker: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(pickerParametersSchema, name, randomPickerType, parameters);
  return new RandomPicker(name, p.maxNumOfEndpoints);
};
