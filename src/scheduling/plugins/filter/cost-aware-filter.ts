/**
 * cost-aware-filter (ours): among the endpoints forecast to meet the request's latency objectives,
 * keeps the cheapest (cost per GPU-hour within `costTolerance` of the cheapest); the profile's scorers
 * then choose among those. When no endpoint is forecast to meet them, keeps every endpoint (latency
 * scorers decide, as without this filter).
 *
 * Objectives: the request's `x-llm-d-slo-ttft-ms` / `x-llm-d-slo-tpot-ms`, else `ttftSloMs` /
 * `tpotSloMs`. Forecasts: latency-forecast.ts over the endpoint's capacity (capacity labels, or its
 * accelerator in the table: the built-in one with `accelerators` merged over it, so costs and
 * figures are configurable per accelerator). Explain shows the forecast, the cost and the verdict for
 * every candidate.
 *
 * Parameters: ttftSloMs (2,000), tpotSloMs (100), costTolerance (0.1), accelerators ({} : name ->
 * any of prefillTokensPerSecond, decodeTokensPerSecond, kvTokens, decodeStepMs, costPerHour).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { type AcceleratorFigures, builtinAccelerators } from "../../accelerators.js";
import { capacityFromLabels, type EndpointCapacity } from "../../endpoint-capacity.js";
import type { CandidateExplainer, CandidateFigures } from "../../framework/candidate-explainer.js";
import type { Filter } from "../../framework/filter.js";
import {
  type CycleContext,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../framework/plugin.js";
import { forecastLatency } from "../../latency-forecast.js";
import type { SchedulingRequest } from "../../types.js";

export const costAwareFilterType = "cost-aware-filter";

const figure = z.number().positive().max(1e12);
const schema = z.strictObject({
  ttftSloMs: z.number().positive().max(3_600_000).default(2_000),
  tpotSloMs: z.number().positive().max(3_600_000).default(100),
  costTolerance: z.number().min(0).max(100).default(0.1),
  accelerators: z
    .record(
      z.string().min(1).max(63),
      z.strictObject({
        prefillTokensPerSecond: figure.optional(),
        decodeTokensPerSecond: figure.optional(),
        kvTokens: figure.optional(),
        decodeStepMs: figure.optional(),
        costPerHour: z.number().min(0).max(1e6).optional(),
      }),
    )
    .default({}),
});

export interface CostAwareOptions {
  ttftSloMs: number;
  tpotSloMs: number;
  costTolerance: number;
  accelerators: Readonly<Record<string, AcceleratorFigures>>;
}

/** The built-in table with `overrides` merged in (a new name must give every figure). */
export function mergeAccelerators(
  overrides: Readonly<Record<string, Partial<AcceleratorFigures>>>,
  where: string,
): Record<string, AcceleratorFigures> {
  const out: Record<string, AcceleratorFigures> = { ...builtinAccelerators };
  for (const [name, o] of Object.entries(overrides)) {
    const key = Object.keys(out).find((k) => k.toUpperCase() === name.toUpperCase()) ?? name;
    const merged = { ...out[key], ...o } as Partial<AcceleratorFigures>;
    const missing = (
      ["prefillTokensPerSecond", "decodeTokensPerSecond", "kvTokens", "decodeStepMs", "costPerHour"] as const
    ).filter((f) => merged[f] === undefined);
    if (missing.length > 0) {
      throw new Error(
        `${where}.${name}: a new accelerator needs ${missing.join(", ")} (known: ${Object.keys(builtinAccelerators).join(", ")})`,
      );
    }
    out[key] = merged as AcceleratorFigures;
  }
  return out;
}

export class CostAwareFilter implements Filter, CandidateExplainer {
  readonly type = costAwareFilterType;
  readonly name: string;
  readonly options: CostAwareOptions;
  readonly #capacities = new WeakMap<object, EndpointCapacity>();
  readonly #meets: Endpoint[] = [];

  constructor(name: string, options: CostAwareOptions) {
    this.name = name;
    this.options = options;
  }

  capacity(e: Endpoint): EndpointCapacity {
    let c = this.#capacities.get(e.labels);
    if (c === undefined) {
      c = capacityFromLabels(e.labels, this.options.accelerators);
      this.#capacities.set(e.labels, c);
    }
    return c;
  }

  #slo(req: SchedulingRequest): { ttftMs: number; tpotMs: number } {
    return {
      ttftMs: req.slo?.ttftMs ?? this.options.ttftSloMs,
      tpotMs: req.slo?.tpotMs ?? this.options.tpotSloMs,
    };
  }

  filter(_ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const slo = this.#slo(req);
    const meets = this.#meets;
    meets.length = 0;
    let cheapest = Number.POSITIVE_INFINITY;
    for (const e of endpoints) {
      const c = this.capacity(e);
      const f = forecastLatency(e, req, c);
      if (f.ttftMs > slo.ttftMs || f.tpotMs > slo.tpotMs) continue;
      meets.push(e);
      if (c.costPerHour < cheapest) cheapest = c.costPerHour;
    }
    if (meets.length === 0) return endpoints;
    const limit = cheapest * (1 + this.options.costTolerance);
    const out: Endpoint[] = [];
    for (const e of meets) if (this.capacity(e).costPerHour <= limit) out.push(e);
    return out.length === endpoints.length ? endpoints : out;
  }

  explainCandidate(req: SchedulingRequest, e: Endpoint): CandidateFigures {
    const c = this.capacity(e);
    const f = forecastLatency(e, req, c);
    const slo = this.#slo(req);
    return {
      accelerator: c.accelerator ?? "custom",
      predictedTtftMs: Math.round(f.ttftMs * 10) / 10,
      predictedTpotMs: Math.round(f.tpotMs * 100) / 100,
      costPerHour: c.costPerHour,
      meetsSlo: f.ttftMs <= slo.ttftMs && f.tpotMs <= slo.tpotMs,
    };
  }
}

export const createCostAwareFilter: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(schema, name, costAwareFilterType, parameters);
  let accelerators: Record<string, AcceleratorFigures>;
  try {
    accelerators = mergeAccelerators(p.accelerators, "parameters.accelerators");
  } catch (err) {
    throw pluginError(name, costAwareFilterType, (err as Error).message);
  }
  return new CostAwareFilter(name, {
    ttftSloMs: p.ttftSloMs,
    tpotSloMs: p.tpotSloMs,
    costTolerance: p.costTolerance,
    accelerators,
  });
};
