/**
 * token-load-scorer: fewer tokens on the endpoint = higher score. t = KV tokens in use from the push
 * (kvCacheUsage x numBlocks x blockSize, 0 when the engine does not report its geometry) + estimated
 * tokens (prompt + expected output) of the router's requests sent since that push;
 * score = (max - t) / (max - min), 1 for all when equal. No parameters.
 */
import { effectiveTokens } from "../../endpoint-load.js";
import { MinMaxLoadScorer, minMaxLoadScorerFactory } from "./min-max-load-scorer.js";

export const tokenLoadScorerType = "token-load-scorer";

export class TokenLoadScorer extends MinMaxLoadScorer {
  constructor(name = tokenLoadScorerType) {
    super(tokenLoadScorerType, effectiveTokens, name);
  }
}

export const createTokenLoadScorer = minMaxLoadScorerFactory(tokenLoadScorerType, effectiveTokens);
