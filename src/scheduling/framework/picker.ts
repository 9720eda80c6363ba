/** Extension point: the picker turns scored candidates into the ordered answer. */
import type { Endpoint } from "../../state/types.js";
import type { SchedulingRequest } from "../types.js";
import type { CycleContext, Plugin } from "./plugin.js";

/** Default `maxNumOfEndpoints` (upstream: 1, what ext_proc needs; the HTTP router configures 3). */
export const defaultMaxNumOfEndpoints = 1;

/**
 * Chooses the endpoints to send the request to.
 *
 * Contract: `endpoints` is non-empty; `totals[i]` is the weighted score of `endpoints[i]` (0 for all
 * when the profile has no scorers). Returns a new ORDERED list, primary first, then fallbacks, at most
 * `maxNumOfEndpoints` long, without duplicates. Randomness only through `ctx.random`.
 */
export interface Picker extends Plugin {
  readonly maxNumOfEndpoints: number;
  /** True when the pick depends on `totals` (explain shows them; scorer-less baselines say false). */
  readonly usesScores: boolean;
  pick(
    ctx: CycleContext,
    request: SchedulingRequest,
    endpoints: readonly Endpoint[],
    totals: Float64Array,
  ): Endpoint[];
}

export function isPicker(p: Plugin): p is Picker {
  return typeof (p as Partial<Picker>).pick === "function";
}
