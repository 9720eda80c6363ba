/** One profile's part of `Scheduler.explain`: its filters, every candidate's scores, its pick. */
import type { Endpoint } from "../state/types.js";
import type { ProfileExplanation } from "./explanation.js";
import {
  type CandidateExplainer,
  type CandidateFigures,
  isCandidateExplainer,
} from "./framework/candidate-explainer.js";
import type { ProfileRunResult, ProfileTrace, SchedulerProfile } from "./framework/scheduler-profile.js";
import type { SchedulingRequest } from "./types.js";

/**
 * What `profile` did in an explained decision, from its trace and its result (null or undefined when
 * it failed or did not run); `candidates` are the endpoints that entered it.
 */
export function explainProfile(
  profile: SchedulerProfile,
  trace: ProfileTrace,
  result: ProfileRunResult | null | undefined,
  request: SchedulingRequest,
  candidates: readonly Endpoint[],
): ProfileExplanation {
  const scored = trace.scored.map((ep, i) => ({
    address: ep.address,
    scores: profile.scorers.map(({ scorer, weight }) => {
      const raw = trace.raw[scorer.name]?.[i] ?? 0;
      return { plugin: scorer.name, type: scorer.type, raw, weight, weighted: raw * weight };
    }),
    total: trace.totals[i] ?? 0,
  }));
  const out: ProfileExplanation = {
    profile: profile.name,
    filtered: trace.filtered,
    candidates: scored,
    picker: profile.picker.name,
    picked: result ? result.endpoints.map((e) => e.address) : [],
  };
  if (trace.failedAt !== undefined) out.failedAt = trace.failedAt;
  const explainers: CandidateExplainer[] = [];
  for (const f of profile.filters) if (isCandidateExplainer(f)) explainers.push(f);
  for (const { scorer } of profile.scorers) if (isCandidateExplainer(scorer)) explainers.push(scorer);
  if (explainers.length > 0) {
    // Every candidate that entered the profile, also those a filter removed (why it did shows here).
    out.candidateFigures = candidates.map((ep) => {
      const figures: CandidateFigures = {};
      for (const x of explainers) Object.assign(figures, x.explainCandidate(request, ep));
      return { address: ep.address, figures };
    });
  }
  return out;
}
