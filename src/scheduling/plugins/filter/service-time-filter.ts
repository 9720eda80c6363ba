/**
 * service-time-filter (ours): drops the candidates the router has seen serve much slower than the
 * fastest, from its own completions (service-time-scorer.ts: time per token of work, a moving
 * average per endpoint, aged with halfLifeMs since the endpoint's last completion):
 *
 *   drop e  when  t(e) > maxSlowdown x min t  and  its mean request time is > minExcessMs above the
 *           fastest's  (an endpoint with fewer than minCompletions completions is kept)
 *
 * minExcessMs keeps requests of a few milliseconds (a health probe, an error, a tiny answer), whose
 * ratios are noise, from deciding anything.
 *
 * Nothing is dropped on a pool whose endpoints serve alike, and then the profile scores exactly as
 * without it (a scorer would shift every total and so the near-max picker's window). On a pool of
 * mixed GPUs that pushes no accelerator label, an L40S beside H100s serves each token ~3x slower at
 * equal load: at light load it is left out, and as the fast endpoints fill up their time per token
 * grows (the figure includes the queue and the batch) until the slow one is kept again. While a
 * candidate has LoRA adapters active it stands aside (returns its input): a request's wait for an
 * adapter slot belongs to its adapter, not to the endpoint, and the lora-affinity scorer needs the
 * holders (measured: up to 1.2x worse p90 on the lora workload without this). Parameters:
 * maxSlowdown (2), minCompletions (3), halfLifeMs (30,000; 0 = no ageing), figure ("mean" | "floor"),
 * minExcessMs (250).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { agedServiceTimes } from "../scorer/service-time-scorer.js";

export const serviceTimeFilterType = "service-time-filter";

const parametersSchema = z.strictObject({
  maxSlowdown: z.number().min(1).max(100).default(2),
  minCompletions: z.number().int().min(1).max(1_000_000).default(3),
  halfLifeMs: z.number().min(0).max(86_400_000).default(30_000),
  figure: z.enum(["mean", "floor"]).default("mean"),
  minExcessMs: z.number().min(0).max(3_600_000).default(250),
});

export class ServiceTimeFilter implements Filter {
  readonly type = serviceTimeFilterType;
  readonly name: string;
  readonly maxSlowdown: number;
  readonly minCompletions: number;
  readonly halfLifeMs: number;
  readonly figure: "mean" | "floor";
  readonly minExcessMs: number;
  #times = new Float64Array(16);

  constructor(
    name = serviceTimeFilterType,
    maxSlowdown = 2,
    minCompletions = 3,
    halfLifeMs = 30_000,
    figure: "mean" | "floor" = "mean",
    minExcessMs = 250,
  ) {
    this.name = name;
    this.minExcessMs = minExcessMs;
    this.maxSlowdown = maxSlowdown;
    this.minCompletions = minCompletions;
    this.halfLifeMs = halfLifeMs;
    this.figure = figure;
  }

  filter(_ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const n = endpoints.length;
    for (let i = 0; i < n; i++) if (endpoints[i]!.metrics.activeAdapters.length > 0) return endpoints;
    if (this.#times.length < n) this.#times = new Float64Array(n * 2);
    const t = this.#times;
    const min = agedServiceTimes(endpoints, t, this.minCompletions, this.halfLifeMs, this.figure);
    const limit = this.maxSlowdown * min;
    // The fastest endpoint's mean request time: a slower one is dropped only this much above it.
    let fastestMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) if (t[i] === min) fastestMs = Math.min(fastestMs, endpoints[i]!.service!.ms);
    const msLimit = fastestMs + this.minExcessMs;
    let dropped = 0;
    for (let i = 0; i < n; i++) if (t[i]! > limit && endpoints[i]!.service!.ms > msLimit) dropped++;
    if (dropped === 0 || dropped === n) return endpoints;
    const out: Endpoint[] = [];
    for (let i = 0; i < n; i++)
      if (!(t[i]! > limit && endpoints[i]!.service!.ms > msLimit)) out.push(endpoints[i]!);
    return out;
  }
}

export const createServiceTimeFilter: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, serviceTimeFilterType, parameters);
  return new ServiceTimeFilter(name, p.maxSlowdown, p.minCompletions, p.halfLifeMs, p.figure, p.minExcessMs);
};
