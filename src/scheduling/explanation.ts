/** What `Scheduler.explain` returns: plain objects, mapped to protobuf by the Explain RPC. */
import type { ErrorCode } from "../core/errors.js";
import type { ExcludedEndpoint } from "./candidates.js";

/** One scorer's view of one candidate. */
export interface ExplainedScore {
  /** Plugin instance name. */
  plugin: string;
  /** Plugin type. */
  type: string;
  /** The scorer's score, clamped to [0, 1]. */
  raw: number;
  weight: number;
  /** raw x weight. */
  weighted: number;
}

export interface ExplainedCandidate {
  address: string;
  scores: ExplainedScore[];
  /** Sum of the weighted scores. */
  total: number;
}

export interface ProfileExplanation {
  profile: string;
  /** Filter name -> addresses it removed. */
  filtered: Record<string, string[]>;
  /** The filter that left no endpoint, when the profile failed. */
  failedAt?: string;
  /** Endpoints that reached scoring, in candidate order. */
  candidates: ExplainedCandidate[];
  picker: string;
  /** The profile's ordered pick (addresses); empty when it failed. */
  picked: string[];
  /**
   * Figures plugins report per candidate that entered the profile (cost-aware-filter: accelerator,
   * predictedTtftMs, predictedTpotMs, costPerHour, meetsSlo); absent when no plugin reports any.
   */
  candidateFigures?: { address: string; figures: Record<string, number | string | boolean> }[];
}

export interface Explanation {
  pool: string;
  requestId: string;
  targetModel: string;
  /** Pool utilization from the saturation detector (>= 1 = saturated). */
  saturation: number;
  saturated: boolean;
  /** True when no fresh endpoint was left and stale ones were used (policy "saturated"). */
  usedStaleEndpoints: boolean;
  /** Endpoints dropped before any profile ran, with the reason. */
  excluded: ExcludedEndpoint[];
  /** Profiles in the order they ran. */
  profiles: ProfileExplanation[];
  /** The winning profile, when there is an answer. */
  profile?: string;
  /** The ordered answer (addresses): primary first. Empty on error. */
  picked: string[];
  /** Why there is no answer (shed, no candidates, ...), as `schedule` would have thrown it. */
  error?: { code: ErrorCode; message: string };
  /** Disaggregated serving (disagg-profile-handler): how the request was split, and why. */
  disaggregation?: ExplainedDisaggregation;
}

/** The split of a disaggregated decision (both profiles are in `profiles`). */
export interface ExplainedDisaggregation {
  /** disagg_decision_total's decision_type: "decode-only" or "prefill-decode". */
  decisionType: string;
  decodeProfile: string;
  /** The decode endpoint (x-gateway-destination-endpoint). */
  decode: string;
  prefillProfile?: string;
  /** The prefill endpoint (x-prefiller-host-port), when disaggregated. */
  prefill?: string;
  decider?: string;
  reason: string;
  /** Prompt tokens the decode endpoint holds, by the decider's prefix lookup. */
  cachedTokens?: number;
}
