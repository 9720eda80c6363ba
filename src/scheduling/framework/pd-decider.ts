/**
 * Extension point of disaggregated serving: after the decode profile picked an endpoint, a decider
 * says whether the request's prefill runs on a separate prefill endpoint (upstream llm-d's
 * `deciders.prefill` of disagg-profile-handler).
 */
import type { Endpoint } from "../../state/types.js";
import type { SchedulingRequest } from "../types.js";
import type { CycleContext, Plugin } from "./plugin.js";

/** A decider's answer, with the figures it used (explain shows them). */
export interface PdDecision {
  /** True: run the prefill profile and send its pick in x-prefiller-host-port. */
  disaggregate: boolean;
  /** Why, in a few words ("uncached 3,400 tokens >= nonCachedTokens 512"). */
  reason: string;
  /** Prompt tokens the decode endpoint has cached (from the prefix index), when the decider looked. */
  cachedTokens?: number;
}

export interface PdDecider extends Plugin {
  /** Decides for `request`, whose decode endpoint is `decode` (the decode profile's primary). Pure. */
  decide(ctx: CycleContext, request: SchedulingRequest, decode: Endpoint): PdDecision;
}

export function isPdDecider(p: Plugin): p is PdDecider {
  return typeof (p as Partial<PdDecider>).decide === "function";
}
