/**
 * outstanding-tokens-scorer: fewer tokens of outstanding work = higher score, as a RATIO to the least
 * loaded candidate rather than a min-max spread, so a small imbalance costs little next to a prefix
 * match and a large one costs a lot.
 *
 *   load  = max(router's own outstanding tokens (inFlight.tokens: prompt + expected output of every
 *               request sent and not finished), pushed KV tokens in use + tokens sent since that push)
 *   score = (min load + smoothingTokens) / (load + smoothingTokens)
 *
 * The first term is exact for a single router and sees work the moment it is sent; the second covers
 * work other router replicas sent (it is what the engine reports). Parameters: smoothingTokens (1024);
 * decayPushed (false): the pushed KV tokens less the router's own completions since that snapshot
 * (pushed-decay.ts).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { decayedOutstandingTokens, outstandingTokens } from "../../endpoint-load.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const outstandingTokensScorerType = "outstanding-tokens-scorer";

const parametersSchema = z.strictObject({
  smoothingTokens: z.number().min(1).max(1e9).default(1024),
  decayPushed: z.boolean().default(false),
});

/** Outstanding tokens of an endpoint: the larger of the router's ledger and the pushed figure (endpoint-load.ts). */
export { outstandingTokens };

export class OutstandingTokensScorer implements Scorer {
  readonly type = outstandingTokensScorerType;
  readonly name: string;
  readonly smoothingTokens: number;
  readonly decayPushed: boolean;

  constructor(name = outstandingTokensScorerType, smoothingTokens = 1024, decayPushed = false) {
    this.name = name;
    this.smoothingTokens = smoothingTokens;
    this.decayPushed = decayPushed;
  }

  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    const n = endpoints.length;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const e = endpoints[i]!;
      const load = this.decayPushed ? decayedOutstandingTokens(e) : outstandingTokens(e);
      out[i] = load;
      if (load < min) min = load;
    }
    const c = this.smoothingTokens;
    for (let i = 0; i < n; i++) out[i] = (min + c) / (out[i]! + c);
  }
}

export const createOutstandingTokensScorer: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, outstandingTokensScorerType, parameters);
  return new OutstandingTokensScorer(name, p.smoothingTokens, p.decayPushed);
};
