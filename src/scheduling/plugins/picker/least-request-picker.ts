/**
 * least-request-picker (benchmark baseline, also registered as "least-request"): the endpoints with
 * the fewest requests, scores ignored; requests = pushed waiting + running + the router's requests
 * sent since that push. Ties broken at random. Parameter: maxNumOfEndpoints (default 1).
 */
import type { Endpoint } from "../../../state/types.js";
import { effectiveRequests } from "../../endpoint-load.js";
import type { Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { pickerParametersSchema } from "./picker-parameters.js";
import { TopK } from "./top-k.js";

export const leastRequestPickerType = "least-request-picker";

export class LeastRequestPicker implements Picker {
  readonly type: string;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly usesScores = false;
  readonly #top: TopK;
  #neg = new Float64Array(16);

  constructor(name = leastRequestPickerType, maxNumOfEndpoints = 1, type = leastRequestPickerType) {
    this.type = type;
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
    this.#top = new TopK(maxNumOfEndpoints);
  }

  pick(ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): Endpoint[] {
    const n = endpoints.length;
    if (this.#neg.length < n) this.#neg = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) this.#neg[i] = -effectiveRequests(endpoints[i]!);
    return this.#top.highest(endpoints, this.#neg, ctx.random);
  }
}

/** Factory for a given registered type name (the plugin reports the type it was declared with). */
export function leastRequestPickerFactory(type: string): PluginFactory {
  return (name, parameters) => {
    const p = parsePluginParameters(pickerParametersSchema, name, type, parameters);
    return new LeastRequestPicker(name, p.maxNumOfEndpoints, type);
  };
}
