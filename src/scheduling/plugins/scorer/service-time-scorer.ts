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

export class ServiceTimeScorer implements Scorer {
  readonly type = serviceTimeScorerType;
  readonly name: string;
  readonly tolerance: number;
  readonly minCompletions: number;
  readonly halfLifeMs: number;
  readonly figure: "mean" | "floor";

  constructor(
    name = serviceTimeScorerType,
    tolerance = 0.25,
    minCompletions = 3,
    halfLifeMs = 30_000,
    figure: "mean" | "floor" = "mean",
  ) {
    this.name = name;
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
    let min = Number.POSITIVE_INFINITY;
    let now = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const e = endpoints[i]!;
      const t = serviceTimePerToken(e, this.minCompletions, this.figure);
      out[i] = t;
      if (t < min) min = t;
      if (e.receivedAt > now) now = e.receivedAt;
    }
    if (this.halfLifeMs > 0) {
      for (let i = 0; i < n; i++) {
        const t = out[i]!;
        const age = now - (endpoints[i]!.service?.lastAt ?? now);
        if (t > min && age > 0) out[i] = min + (t - min) * 2 ** (-age / this.halfLifeMs);
      }
    }
    const best = (1 + this.tolerance) * min;
    for (let i = 0; i < n; i++) {
      const t = out[i]!;
      // NaN (nothing learned) and a zero time both score 1.
      out[i] = t > best ? best / t : 1;
    }
  }
}

export const createServiceTimeScorer: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, serviceTimeScorerType, parameters);
  return new ServiceTimeScorer(name, p.tolerance, p.minCompletions, p.halfLifeMs, p.figure);
};
