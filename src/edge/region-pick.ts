/**
 * The region pick: candidates are fresh, non-draining regions with ready endpoints for the model;
 * each gets score = wd * 1/(1 + km/scale) + ws * (1 - saturation) + wc * free/(free + half).
 * Regions at or above the saturation limit go after all others (still usable as fallbacks). A
 * session stays on its region while that region is a candidate and not saturated. Pure: time and
 * stickiness come in with the input, so Explain and the request path give the same answer.
 */
import { RouterError } from "../core/errors.js";
import type { RegionPickOptions } from "./edge-config.js";
import { isRegionStale } from "./region-directory.js";
import { clientPoint, estimateDistanceKm, type LocatedBy } from "./region-distance.js";
import { ANY_MODEL, type ClientLocation, type ModelSummary, type RegionRecord } from "./region-types.js";

/** What the pick needs to know about one request. */
export interface RegionPickInput {
  /** Model the client asked for. */
  model: string;
  client: ClientLocation;
  /** Region this request's session was last served by, if any. */
  stickyRegion?: string | undefined;
  /** Edge time, ms since epoch. */
  now: number;
}

/** One candidate region with its score parts (all in [0, 1] before weights). */
export interface RegionScore {
  region: RegionRecord;
  summary: ModelSummary;
  /** undefined when the distance cannot be estimated (its score is then 0.5). */
  distanceKm: number | undefined;
  distanceScore: number;
  saturationScore: number;
  capacityScore: number;
  total: number;
  saturated: boolean;
}

/** The outcome: ordered regions to try, and why the others are out. */
export interface RegionPick {
  /** Candidates by preference (unsaturated first, then score), before stickiness. */
  candidates: RegionScore[];
  excluded: { region: string; reason: string }[];
  /** Regions to try in order (sticky region first when it applies), at most maxRegions. */
  ordered: RegionScore[];
  /** The sticky region when it was honoured. */
  sticky: string | undefined;
  locatedBy: LocatedBy;
  /** Set when `ordered` is empty: NotFound (no region serves the model) or ServiceUnavailable. */
  error: RouterError | undefined;
}

/** The summary a region has for a model: its own entry, else its wildcard entry. */
export function summaryFor(region: RegionRecord, model: string): ModelSummary | undefined {
  let any: ModelSummary | undefined;
  for (const m of region.models) {
    if (m.model === model) return m;
    if (m.model === ANY_MODEL) any = m;
  }
  return any;
}

function byPreference(a: RegionScore, b: RegionScore): number {
  if (a.saturated !== b.saturated) return a.saturated ? 1 : -1;
  if (a.total !== b.total) return b.total - a.total;
  // Deterministic tie-break, so every isolate orders equal regions alike.
  return a.region.region < b.region.region ? -1 : 1;
}

/**
 * Ranks regions for one request.
 *
 * @example
 * const pick = pickRegions(directory, { model: "llama", client, now: Date.now() }, options);
 * if (pick.error) throw pick.error;
 * forwardTo(pick.ordered.map((s) => s.region));
 */
export function pickRegions(
  regions: readonly RegionRecord[],
  input: RegionPickInput,
  o: RegionPickOptions,
): RegionPick {
  const { point, by } = clientPoint(input.client);
  const candidates: RegionScore[] = [];
  const excluded: { region: string; reason: string }[] = [];
  let served = false;
  for (const region of regions) {
    const summary = summaryFor(region, input.model);
    if (summary) served = true;
    if (isRegionStale(region, input.now, o.staleAfterMs)) {
      const age = ((input.now - region.receivedAt) / 1000).toFixed(1);
      excluded.push({ region: region.region, reason: `stale: last push ${age} s ago` });
    } else if (region.draining) {
      excluded.push({ region: region.region, reason: "draining" });
    } else if (!summary) {
      excluded.push({ region: region.region, reason: `does not serve model "${input.model}"` });
    } else if (summary.endpointsReady === 0) {
      excluded.push({ region: region.region, reason: "no ready endpoints for the model" });
    } else {
      const km = estimateDistanceKm(input.client, point, region.location);
      const distanceScore = km === undefined ? 0.5 : 1 / (1 + km / o.distanceScaleKm);
      const saturationScore = 1 - summary.saturation;
      const free = summary.freeCapacity;
      const capacityScore = free / (free + o.capacityHalf);
      candidates.push({
        region,
        summary,
        distanceKm: km,
        distanceScore,
        saturationScore,
        capacityScore,
        total:
          o.distanceWeight * distanceScore +
          o.saturationWeight * saturationScore +
          o.capacityWeight * capacityScore,
        saturated: summary.saturation >= o.saturationLimit,
      });
    }
  }
  candidates.sort(byPreference);
  let ordered = candidates;
  let sticky: string | undefined;
  if (input.stickyRegion !== undefined) {
    const i = candidates.findIndex((c) => c.region.region === input.stickyRegion && !c.saturated);
    if (i > 0) ordered = [candidates[i]!, ...candidates.slice(0, i), ...candidates.slice(i + 1)];
    if (i >= 0) sticky = input.stickyRegion;
  }
  ordered = ordered.slice(0, o.maxRegions);
  let error: RouterError | undefined;
  if (ordered.length === 0) {
    error = served
      ? new RouterError("ServiceUnavailable", `no healthy, fresh region serves model "${input.model}"`)
      : new RouterError("NotFound", `model "${input.model}" is not served by any region`, "model");
  }
  return { candidates, excluded, ordered, sticky, locatedBy: by, error };
}
