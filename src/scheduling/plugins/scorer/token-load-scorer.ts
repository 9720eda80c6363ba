/**
 * token-load-scorer: fewer tokens on the endpoint = higher score. t = KV tokens in use from the push
 * (kvCacheUsage x numBlocks x blockSize, 0 when the engine does not report its geometry) + estimated
 * tokens (prompt + expected output) of the router's requests sent since that push;
 * score = (max - t) / (max - min), 1 for all when equal. No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveTokens, invertMinMax } from "../../endpoint-load.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const tokenLoadScorerType = "token-load-scorer";

export class TokenLoadScorer implements Scorer {
  readonly type = tokenLoadScorerType;
  readonly name: string;
  constructor(name = tokenLoadScorerType) {
    this.name = name;
  }
  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    const n = endpoints.length;
    for (let i = 0; i < n; i++) out[i] = effectiveTokens(endpoints[i]!);
    invertMinMax(out, n);
  }
}

export const createTokenLoadScorer: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, tokenLoadScorerType, parameters);
  return new TokenLoadScorer(name);
};
