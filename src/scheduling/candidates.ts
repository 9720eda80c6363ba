/**
 * Which endpoints of a pool may serve a request at all, before any profile runs: the subset hint
 * (matched on IP), readiness, the model, and freshness. Stale endpoints are dropped, or, when no
 * fresh one is left and the policy says "saturated", used anyway and counted as saturated.
 */
import { RouterError } from "../core/errors.js";
import type { Endpoint } from "../state/types.js";
import type { SchedulingRequest } from "./types.js";

/** What to do with endpoints whose last push is older than the store's staleness limit. */
export type StaleEndpointPolicy = "exclude" | "saturated";

/** Why an endpoint is not a candidate (explain reports these). */
export type ExclusionReason = "subset" | "not-ready" | "model" | "stale";

export interface ExcludedEndpoint {
  address: string;
  reason: ExclusionReason;
}

/** True when the endpoint serves `model`: it lists no models, lists it, or has it as an adapter. */
export function servesModel(e: Endpoint, model: string): boolean {
  return (
    e.models.length === 0 ||
    e.models.includes(model) ||
    e.metrics.activeAdapters.includes(model) ||
    e.metrics.waitingAdapters.includes(model)
  );
}

/** The IP of a subset-hint entry: "10.0.0.1:8000", "[fd00::1]:8000" or a bare IP. */
export function subsetEntryIp(entry: string): string {
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    return close > 0 ? entry.slice(1, close) : entry;
  }
  const colon = entry.indexOf(":");
  return colon >= 0 && entry.indexOf(":", colon + 1) < 0 ? entry.slice(0, colon) : entry;
}

/**
 * Fills `out` with the candidates (cleared first) and returns true when they are stale endpoints
 * used under the "saturated" policy. `excluded`, when given, receives every dropped endpoint.
 * @throws RouterError("ServiceUnavailable") when the subset hint is empty or matches nothing, or
 * when no endpoint is left.
 */
export function selectCandidates(
  pool: string,
  endpoints: readonly Endpoint[],
  request: SchedulingRequest,
  isStale: (e: Endpoint) => boolean,
  policy: StaleEndpointPolicy,
  out: Endpoint[],
  stale: Endpoint[],
  excluded?: ExcludedEndpoint[],
): boolean {
  out.length = 0;
  stale.length = 0;
  let subset: Set<string> | undefined;
  if (request.subset) {
    if (request.subset.length === 0) {
      throw new RouterError(
        "ServiceUnavailable",
        "the subset hint is present but lists no endpoint",
        "subset",
      );
    }
    subset = new Set(request.subset.map(subsetEntryIp));
  }
  let inSubset = 0;
  const model = request.targetModel;
  for (let i = 0; i < endpoints.length; i++) {
    const e = endpoints[i]!;
    let reason: ExclusionReason | undefined;
    if (subset && !subset.has(e.ip)) reason = "subset";
    else {
      inSubset++;
      if (!e.ready) reason = "not-ready";
      else if (!servesModel(e, model)) reason = "model";
      else if (isStale(e)) {
        stale.push(e);
        reason = "stale";
      }
    }
    if (reason === undefined) out.push(e);
    else if (excluded) excluded.push({ address: e.address, reason });
  }
  if (subset && inSubset === 0) {
    throw new RouterError(
      "ServiceUnavailable",
      `the subset hint matched no endpoint of pool "${pool}"`,
      "subset",
    );
  }
  if (out.length > 0) return false;
  if (policy === "saturated" && stale.length > 0) {
    for (const e of stale) out.push(e);
    return true;
  }
  const why = stale.length > 0 ? ` (${stale.length} stale)` : "";
  throw new RouterError(
    "ServiceUnavailable",
    `no ready, fresh endpoint of pool "${pool}" serves model "${model}"${why}`,
  );
}
