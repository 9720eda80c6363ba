/** Extension point: scorers rate each candidate; the profile sums them by weight. */
import type { Endpoint } from "../../state/types.js";
import type { SchedulingRequest } from "../types.js";
import type { CycleContext, Plugin } from "./plugin.js";

/**
 * Rates every candidate for this request.
 *
 * Contract: writes one score per endpoint into `out[i]` for `endpoints[i]` (i < endpoints.length),
 * in [0, 1], higher = better. The framework clamps to [0, 1] (NaN counts as 0), multiplies by the
 * profile's weight for this scorer and sums over scorers, with no normalisation. `out` is a scratch
 * buffer at least `endpoints.length` long, with unspecified contents on entry.
 */
export interface Scorer extends Plugin {
  score(
    ctx: CycleContext,
    request: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void;
}

export function isScorer(p: Plugin): p is Scorer {
  return typeof (p as Partial<Scorer>).score === "function";
}

/** clamp(score, 0, 1), NaN -> 0. */
export function clampScore(x: number): number {
  return x > 0 ? Math.min(x, 1) : 0;
}
