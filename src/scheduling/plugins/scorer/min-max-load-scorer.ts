/**
 * The shape shared by the load scorers (queue, running requests, token load): less load = higher
 * score, score = (max - load) / (max - min) over the candidates, 1 for all when every load is equal.
 * Each plugin supplies only its load figure; none takes parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { invertMinMax } from "../../endpoint-load.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export class MinMaxLoadScorer implements Scorer {
  readonly type: string;
  readonly name: string;
  readonly #load: (e: Endpoint) => number;

  constructor(type: string, load: (e: Endpoint) => number, name = type) {
    this.type = type;
    this.name = name;
    this.#load = load;
  }

  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    const n = endpoints.length;
    const load = this.#load;
    for (let i = 0; i < n; i++) out[i] = load(endpoints[i]!);
    invertMinMax(out, n);
  }
}

/** A factory for a parameterless min-max load scorer of `type`. */
export function minMaxLoadScorerFactory(type: string, load: (e: Endpoint) => number): PluginFactory {
  return (name, parameters) => {
    parsePluginParameters(z.strictObject({}), name, type, parameters);
    return new MinMaxLoadScorer(type, load, name);
  };
}
