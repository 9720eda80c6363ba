/** Extension point: which profiles run for a request, and which result is the answer. */
import type { SchedulingRequest } from "../types.js";
import type { CycleContext, Plugin } from "./plugin.js";
import type { ProfileRunResult, SchedulerProfile } from "./scheduler-profile.js";

/** Results so far, by profile name; null = the profile ran and failed (a filter left nothing). */
export type ProfileResults = ReadonlyMap<string, ProfileRunResult | null>;

/**
 * Drives a scheduling cycle over one or more profiles.
 *
 * Contract: `pickProfiles` is called repeatedly with the results so far and returns the profiles to
 * run next (from `profiles`); an empty list ends the cycle. A profile is never run twice in a cycle.
 * `processResults` then names the winning profile, or returns undefined when no result is usable
 * (the scheduler answers ServiceUnavailable).
 */
export interface ProfileHandler extends Plugin, ProfileHandlerExtras {
  pickProfiles(
    ctx: CycleContext,
    request: SchedulingRequest,
    profiles: readonly SchedulerProfile[],
    results: ProfileResults,
  ): readonly SchedulerProfile[];
  processResults(ctx: CycleContext, request: SchedulingRequest, results: ProfileResults): string | undefined;
}

export function isProfileHandler(p: Plugin): p is ProfileHandler {
  const h = p as Partial<ProfileHandler>;
  return typeof h.pickProfiles === "function" && typeof h.processResults === "function";
}

/** Upstream's `disagg_decision_total` decision types this router produces. */
export type DisaggDecisionType = "decode-only" | "prefill-decode";

/** How a disaggregating handler split the request just scheduled (see ProfileHandler.disaggregation). */
export interface DisaggOutcome {
  decisionType: DisaggDecisionType;
  /** The decode profile (the winner). */
  decodeProfile: string;
  /** The prefill profile, when its pick is part of the answer (decisionType "prefill-decode"). */
  prefillProfile?: string;
  /** The decider that was asked; undefined when none ran (the decode profile failed). */
  decider?: string;
  /** The decider's reason, or why the split fell back to decode-only. */
  reason: string;
  /** Prompt tokens the decode endpoint holds, when the decider looked. */
  cachedTokens?: number;
}

/**
 * Optional capabilities of a profile handler. `validate` runs once the config's plugins and profiles
 * are built (whatever their order in the file) and throws RouterError BadRequest naming the field and
 * value at fault. `disaggregation` is asked right after `processResults`, with the same results, and
 * describes the split of that cycle (a handler that splits requests keeps its decision from
 * `pickProfiles` until then: scheduling is synchronous).
 */
export interface ProfileHandlerExtras {
  validate?(profiles: readonly SchedulerProfile[], plugin: (name: string) => Plugin | undefined): void;
  disaggregation?(results: ProfileResults): DisaggOutcome | undefined;
}
