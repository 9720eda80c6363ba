/**
 * The prefill/decode split of one decision (disagg-profile-handler, README "Disaggregated
 * prefill/decode"): which prefill run belongs to the answer, its lease and learning once committed,
 * and what explain reports about it. The scheduler calls these three; the decision itself (which
 * profiles run, the decider) stays in the profile handler.
 */
import type { PoolStore } from "../state/pool-store.js";
import type { ExplainedDisaggregation } from "./explanation.js";
import type { CycleContext } from "./framework/plugin.js";
import type { DisaggOutcome, ProfileHandler, ProfileResults } from "./framework/profile-handler.js";
import type { ProfileRunResult, SchedulerProfile } from "./framework/scheduler-profile.js";
import type { SchedulingRequest, SchedulingResult } from "./types.js";

/** A disaggregating handler's split of one decision: the outcome, and the prefill run when used. */
export interface DisaggSplit {
  outcome: DisaggOutcome;
  prefill?: { profile: SchedulerProfile; result: ProfileRunResult };
}

/** The split of the cycle just run, when the handler disaggregates (undefined otherwise). */
export function disaggSplitOf(
  handler: ProfileHandler,
  results: ProfileResults,
  profiles: readonly SchedulerProfile[],
): DisaggSplit | undefined {
  const outcome = handler.disaggregation?.(results);
  if (!outcome) return undefined;
  const split: DisaggSplit = { outcome };
  const name = outcome.prefillProfile;
  const result = name === undefined ? undefined : results.get(name);
  const profile = profiles.find((p) => p.name === name);
  if (result && profile) split.prefill = { profile, result };
  return split;
}

/**
 * Commits the prefill half of a committed pick: the prefill endpoint leases the prompt
 * (`out.prefill.lease`; the decode endpoint's lease covers prompt + output) and the prefill profile's
 * observers learn its primary, which computed the prompt's KV and keeps it cached.
 */
export function commitPrefill(
  store: PoolStore,
  pool: string,
  ctx: CycleContext,
  request: SchedulingRequest,
  prefill: NonNullable<DisaggSplit["prefill"]>,
  out: SchedulingResult,
): void {
  if (!out.prefill) return;
  const lease = store.acquire(pool, out.prefill.endpoint.address, request.promptTokens);
  if (lease) out.prefill.lease = lease;
  const first = prefill.result.endpoints.slice(0, 1);
  for (const o of prefill.profile.observers) o.onPicked(ctx, request, first);
}

/** What explain reports about the split (`decode` is the winning profile's result). */
export function explainDisaggregation(d: DisaggSplit, decode: ProfileRunResult): ExplainedDisaggregation {
  const o = d.outcome;
  const out: ExplainedDisaggregation = {
    decisionType: o.decisionType,
    decodeProfile: o.decodeProfile,
    decode: decode.endpoints[0]!.address,
    reason: o.reason,
  };
  if (d.prefill) {
    out.prefillProfile = d.prefill.profile.name;
    out.prefill = d.prefill.result.endpoints[0]!.address;
  }
  if (o.decider !== undefined) out.decider = o.decider;
  if (o.cachedTokens !== undefined) out.cachedTokens = o.cachedTokens;
  return out;
}
