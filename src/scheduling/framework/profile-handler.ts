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
export interface ProfileHandler extends Plugin {
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
