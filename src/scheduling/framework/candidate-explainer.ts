/**
 * Optional capability of a filter or scorer: figures about each candidate that explain shows next to
 * the scores (the cost-aware filter's predicted TTFT/TPOT and cost). Called only by explain, over the
 * candidates that entered the profile; pure.
 */
import type { Endpoint } from "../../state/types.js";
import type { SchedulingRequest } from "../types.js";
import type { Plugin } from "./plugin.js";

export type CandidateFigures = Record<string, number | string | boolean>;

export interface CandidateExplainer extends Plugin {
  explainCandidate(request: SchedulingRequest, endpoint: Endpoint): CandidateFigures;
}

export function isCandidateExplainer(p: Plugin): p is CandidateExplainer {
  return typeof (p as Partial<CandidateExplainer>).explainCandidate === "function";
}
