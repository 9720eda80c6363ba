/**
 * service-time-scorer (ours): a faster endpoint = higher score, the speed learned from the router's
 * own completed requests, so a pool of mixed GPUs routes by speed without any label.
 *
 *   t(e)  = service.ms / service.tokens: the moving average of the time from dispatch to end of the
 *           router's own requests there, per token of work (prompt + expected output; in-flight.ts)
 *   score = min(1, (1 + tolerance) x min t / t(e))   over the candidates with a figure;
 *           1 for a candidate with fewer than minCompletions (never tried = no penalty)
 *
 * A figure ages: its excess over the fastest halves every halfLifeMs since the endpoint's last
 * completion ("now" = the newest push arrival among the candidates), so an endpoint that was slow
 * once and then got no traffic is tried again rather than left out for good.
 *
 * The time includes the queue and the batch the request shared, so an endpoint slows down in this
 * figure as it fills up and the score pulls load back toward equal time per token (upstream's
 * latency-scorer does the same from a trained predictor). The request and token counts of the load
 * scorers do not see speed: on a pool of an H100 and an L40S at equal counts the L40S serves each
 * token ~3x slower. `tolerance` leaves differences below it unscored (noise on a uniform pool).
 * Parameters: tolerance (0.25), minCompletions (3), halfLifeMs (30,000; 0 = no ageing).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const serviceTimeScorerType = "service-time-scorer";

const parametersSchema = z.strictObject({
  tolerance: z.number().min(0).max(10).default(0.25),
  minCompletions: z.number().int().min(1).max(1_000_000).default(3),
  halfLifeMs: z.number().min(0).max(86_400_000).default(30_000),
  figure: z.enum(["mean", "floor"]).default("mean"),
  cutoff: z.number().min(0).max(100).default(0),
  skipLora: z.boolean().default(false),
});

/** Observed time per token of work on `e`, or NaN with fewer than `minCompletions` completions. */
export function serviceTimePerToken(
  e: Endpoint,
  minCompletions: number,
  figure: "mean" | "floor" = "mean",
): number {
  const s = e.service;
  if (s === undefined || s.completions < minCompletions || !(s.tokens > 0)) return Number.NaN;
  return figure === "floor" ? s.floorMsPerToken : s.ms / s.tokens;
}

/** True when a candidate reports LoRA adapter slots: its times then mix in adapter loads. */
function servesAdapters(endpoints: readonly Endpoint[]): boolean {
  for (const e of endpoints) if (e.metrics.maxAdapters > 0) return true;
  return false;
}

/**
 * Writes each candidate's time per token (aged, see the file comment; NaN = nothing learned) into
 * `out` and returns the fastest (Infinity when none has a figure).
 */
export function agedServiceTimes(
  endpoints: readonly Endpoint[],
  out: Float64Array,
  minCompletions: number,
  halfLifeMs: number,
  figure: "mean" | "floor",
): number {
  const n = endpoints.length;
  let min = Number.POSITIVE_INFINITY;
  let now = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const e = endpoints[i]!;
    const t = serviceTimePerToken(e, minCompletions, figure);
    out[i] = t;
    if (t < min) min = t;
    if (e.receivedAt > now) now = e.receivedAt;
  }
  if (halfLifeMs > 0) {
    for (let i = 0; i < n; i++) {
      const t = out[i]!;
      const age = now - (endpoints[i]!.service?.lastAt ?? now);
      if (t > min && age > 0) out[i] = min + (t - min) * 2 ** (-age / halfLifeMs);
    }
  }
  return min;
}

export class ServiceTimeScorer implements Scorer {
  readonly type = serviceTimeScorerType;
  readonly name: string;
  readonly tolerance: number;
  readonly minCompletions: number;
  readonly halfLifeMs: number;
  readonly figure: "mean" | "floor";
  readonly cutoff: number;
  readonly skipLora: boolean;

  constructor(
    name = serviceTimeScorerType,
    tolerance = 0.25,
    minCompletions = 3,
    halfLifeMs = 30_000,
    figure: "mean" | "floor" = "mean",
    cutoff = 0,
    skipLora = false,
  ) {
    this.name = name;
    this.skipLora = skipLora;
    this.cutoff = cutoff;
    this.figure = figure;
    this.tolerance = tolerance;
    this.minCompletions = minCompletions;
    this.halfLifeMs = halfLifeMs;
  }

  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    const n = endpoints.length;
    if (this.skipLora && servesAdapters(endpoints)) {
      out.fill(1, 0, n);
      return;
    }
    const min = agedServiceTimes(endpoints, out, this.minCompletions, this.halfLifeMs, this.figure);
    const best = (1 + this.tolerance) * min;
    const zero = this.cutoff * min;
    const ramp = zero > best;
    for (let i = 0; i < n; i++) {
      const t = out[i]!;
      // NaN (nothing learned) and a zero time both score 1.
      if (!(t > best)) out[i] = 1;
      else if (ramp) out[i] = t >= zero ? 0 : (zero - t) / (zero - best);
      else out[i] = best / t;
    }
  }
}

export const createServiceTimeScorer: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, serviceTimeScorerType, parameters);
  return new ServiceTimeScorer(
    name,
    p.tolerance,
    p.minCompletions,
    p.halfLifeMs,
    p.figure,
    p.cutoff,
    p.skipLora,
  );
};
