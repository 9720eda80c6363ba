/**
 * One scheduling profile: filters in order, then weighted scorers, then the picker. Buffers are
 * kept between runs so a decision allocates only the filters' outputs and the picker's answer.
 */
import type { Endpoint } from "../../state/types.js";
import type { SchedulingRequest } from "../types.js";
import type { Filter } from "./filter.js";
import type { PickObserver } from "./pick-observer.js";
import type { Picker } from "./picker.js";
import type { CycleContext } from "./plugin.js";
import { clampScore, type Scorer } from "./scorer.js";

/** A scorer and its weight in one profile. */
export interface WeightedScorer {
  scorer: Scorer;
  /** Multiplies the clamped score; >= 0. */
  weight: number;
}

/** What a successful profile run produced. */
export interface ProfileRunResult {
  /** Ordered pick, primary first; never empty. */
  endpoints: Endpoint[];
  /** Weighted totals of `endpoints`, same order. */
  scores: number[];
}

/** Optional detail a run records for explain. */
export interface ProfileTrace {
  /** Filter name -> addresses it removed. */
  filtered: Record<string, string[]>;
  /** Name of the filter that left nothing, when the profile failed. */
  failedAt?: string;
  /** Endpoints that reached scoring, in order. */
  scored: Endpoint[];
  /** Scorer name -> raw (clamped) scores aligned with `scored`. */
  raw: Record<string, number[]>;
  /** Weighted totals aligned with `scored`. */
  totals: number[];
}

/** Optional timing hook: called per plugin call when the scheduler samples this decision. */
export interface PluginTimer {
  time(
    extensionPoint: "Filter" | "Scorer" | "Picker",
    pluginType: string,
    pluginName: string,
    start: number,
  ): void;
  now(): number;
}

export class SchedulerProfile {
  readonly name: string;
  readonly filters: readonly Filter[];
  readonly scorers: readonly WeightedScorer[];
  readonly picker: Picker;
  /** Plugins of this profile to notify after a committed pick. */
  readonly observers: readonly PickObserver[];
  /** The filter that emptied the set in the last failed run (for the error message). */
  lastFailedAt: string | undefined;
  #totals = new Float64Array(16);
  #scratch = new Float64Array(16);

  constructor(
    name: string,
    filters: Filter[],
    scorers: WeightedScorer[],
    picker: Picker,
    observers: PickObserver[],
  ) {
    this.name = name;
    this.filters = filters;
    this.scorers = scorers;
    this.picker = picker;
    this.observers = observers;
  }

  /** Runs the profile over `candidates` (non-empty). Returns null when a filter leaves nothing. */
  run(
    ctx: CycleContext,
    request: SchedulingRequest,
    candidates: readonly Endpoint[],
    trace?: ProfileTrace,
    timer?: PluginTimer,
  ): ProfileRunResult | null {
    let eps = candidates;
    for (let f = 0; f < this.filters.length; f++) {
      const filter = this.filters[f]!;
      const start = timer ? timer.now() : 0;
      const next = filter.filter(ctx, request, eps);
      if (timer) timer.time("Filter", filter.type, filter.name, start);
      if (trace && next.length !== eps.length) trace.filtered[filter.name] = removed(eps, next);
      if (next.length === 0) {
        this.lastFailedAt = filter.name;
        if (trace) trace.failedAt = filter.name;
        return null;
      }
      eps = next;
    }
    const n = eps.length;
    if (this.#totals.length < n) {
      this.#totals = new Float64Array(n * 2);
      this.#scratch = new Float64Array(n * 2);
    }
    const totals = this.#totals;
    const scratch = this.#scratch;
    totals.fill(0, 0, n);
    for (let s = 0; s < this.scorers.length; s++) {
      const { scorer, weight } = this.scorers[s]!;
      const start = timer ? timer.now() : 0;
      scorer.score(ctx, request, eps, scratch);
      if (timer) timer.time("Scorer", scorer.type, scorer.name, start);
      for (let i = 0; i < n; i++) {
        const v = clampScore(scratch[i]!);
        scratch[i] = v;
        totals[i]! += v * weight;
      }
      if (trace) trace.raw[scorer.name] = Array.from(scratch.subarray(0, n));
    }
    if (trace) {
      trace.scored = [...eps];
      trace.totals = Array.from(totals.subarray(0, n));
    }
    const start = timer ? timer.now() : 0;
    const picked = this.picker.pick(ctx, request, eps, totals);
    if (timer) timer.time("Picker", this.picker.type, this.picker.name, start);
    if (picked.length === 0) {
      this.lastFailedAt = this.picker.name;
      return null;
    }
    const scores = new Array<number>(picked.length);
    for (let p = 0; p < picked.length; p++) scores[p] = totals[eps.indexOf(picked[p]!)] ?? 0;
    return { endpoints: picked, scores };
  }
}

function removed(before: readonly Endpoint[], after: readonly Endpoint[]): string[] {
  const kept = new Set(after);
  const out: string[] = [];
  for (const e of before) if (!kept.has(e)) out.push(e.address);
  return out;
}
