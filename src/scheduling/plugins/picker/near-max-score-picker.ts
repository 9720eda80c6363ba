/**
 * near-max-score-picker (ours): a random endpoint among those whose weighted total is within
 * `epsilon` of the best (total >= best x (1 - epsilon)), uniformly; fallbacks follow, highest total
 * first (the rest of the near-best set in random order, then the others).
 *
 * Why not max-score-picker: several router replicas scoring the same stale snapshot all pick the same
 * argmax until the next push, and on a pool with nothing to gain (unique prompts, equal replicas) an
 * argmax over small load differences herds where round-robin would not. A random choice among the
 * near-best keeps the scorers' large preferences and spreads the small ones.
 *
 * tieBreak (ours): how the near-best set is ordered. "random" (default): uniformly. "least-recently-
 * picked": the member this picker made primary longest ago first (never picked first, ties at
 * random), so endpoints the scores cannot tell apart are taken in turn, as round-robin takes them,
 * rather than at random. Dry runs do not count as picks.
 * Parameters: maxNumOfEndpoints (1), epsilon (0.05; 0 = max-score-picker), tieBreak ("random").
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { defaultMaxNumOfEndpoints, type Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { TopK } from "./top-k.js";

export const nearMaxScorePickerType = "near-max-score-picker";
export const defaultNearMaxEpsilon = 0.05;

const parametersSchema = z.strictObject({
  maxNumOfEndpoints: z.number().int().min(1).max(100).default(defaultMaxNumOfEndpoints),
  epsilon: z.number().min(0).max(1).default(defaultNearMaxEpsilon),
  tieBreak: z.enum(["random", "least-recently-picked"]).default("random"),
});

/** How the near-best set is ordered (see the file comment). */
export type NearMaxTieBreak = "random" | "least-recently-picked";

export class NearMaxScorePicker implements Picker {
  readonly type = nearMaxScorePickerType;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly epsilon: number;
  readonly usesScores = true;
  readonly tieBreak: NearMaxTieBreak;
  readonly #top: TopK;
  #vals = new Float64Array(16);
  /** least-recently-picked: the pick number at which each address was last made primary. */
  readonly #lastPicked = new Map<string, number>();
  #picks = 0;

  constructor(
    name = nearMaxScorePickerType,
    maxNumOfEndpoints = 1,
    epsilon = defaultNearMaxEpsilon,
    tieBreak: NearMaxTieBreak = "random",
  ) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
    this.epsilon = epsilon;
    this.tieBreak = tieBreak;
    this.#top = new TopK(maxNumOfEndpoints);
  }

  pick(
    ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    totals: Float64Array,
  ): Endpoint[] {
    const n = endpoints.length;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) if (totals[i]! > best) best = totals[i]!;
    const floor = best - Math.abs(best) * this.epsilon;
    if (this.tieBreak === "least-recently-picked")
      return this.#pickLeastRecent(ctx, endpoints, totals, best, floor);
    if (this.maxNumOfEndpoints === 1) {
      // One pass, reservoir sampling over the near-best set.
      let chosen = 0;
      let seen = 0;
      for (let i = 0; i < n; i++) {
        if (totals[i]! >= floor && ctx.random.next() * ++seen < 1) chosen = i;
      }
      return [endpoints[chosen]!];
    }
    // The near-best set all rank as `best` (TopK orders ties at random), the rest by their totals.
    if (this.#vals.length < n) this.#vals = new Float64Array(n * 2);
    const vals = this.#vals;
    for (let i = 0; i < n; i++) vals[i] = totals[i]! >= floor ? best : totals[i]!;
    return this.#top.highest(endpoints, vals, ctx.random);
  }

  /** The near-best set ordered by the last time each was made primary (oldest first), then the rest by total. */
  #pickLeastRecent(
    ctx: CycleContext,
    endpoints: readonly Endpoint[],
    totals: Float64Array,
    best: number,
    floor: number,
  ): Endpoint[] {
    const n = endpoints.length;
    const last = this.#lastPicked;
    if (last.size > 4 * n + 64) last.clear();
    let result: Endpoint[];
    if (this.maxNumOfEndpoints === 1) {
      let chosen = 0;
      let oldest = Number.POSITIVE_INFINITY;
      let seen = 0;
      for (let i = 0; i < n; i++) {
        if (totals[i]! < floor) continue;
        const at = last.get(endpoints[i]!.address) ?? -1;
        if (at < oldest) {
          oldest = at;
          chosen = i;
          seen = 1;
        } else if (at === oldest && ctx.random.next() * ++seen < 1) chosen = i;
      }
      result = [endpoints[chosen]!];
    } else {
      if (this.#vals.length < n) this.#vals = new Float64Array(n * 2);
      const vals = this.#vals;
      // Near-best members rank above every total, the least recently picked highest.
      const span = this.#picks + 2;
      for (let i = 0; i < n; i++) {
        const t = totals[i]!;
        vals[i] =
          t >= floor ? Math.abs(best) + 2 + (span - 1 - (last.get(endpoints[i]!.address) ?? -1)) / span : t;
      }
      result = this.#top.highest(endpoints, vals, ctx.random);
    }
    if (!ctx.dryRun) last.set(result[0]!.address, this.#picks++);
    return result;
  }
}

export const createNearMaxScorePicker: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, nearMaxScorePickerType, parameters);
  return new NearMaxScorePicker(name, p.maxNumOfEndpoints, p.epsilon, p.tieBreak);
};
