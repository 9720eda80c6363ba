/** Extension point: filters narrow the candidate set before scoring. */
import type { Endpoint } from "../../state/types.js";
import type { SchedulingRequest } from "../types.js";
import type { CycleContext, Plugin } from "./plugin.js";

/**
 * Removes endpoints that must not serve the request.
 *
 * Contract: returns a subset of `endpoints` in their original order (returning `endpoints` itself
 * when nothing is removed avoids an allocation). It may return an empty list; the profile then fails
 * and no later filter, scorer or picker runs. It must not mutate `endpoints`.
 */
export interface Filter extends Plugin {
  filter(ctx: CycleContext, request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[];
}

export function isFilter(p: Plugin): p is Filter {
  return typeof (p as Partial<Filter>).filter === "function";
}
