/**
 * Which endpoints of a pool may serve a request at all, before any profile runs: the subset hint
 * (matched on IP), readiness, the model, passive health (outlier ejection) and freshness. Stale
 * endpoints are dropped, or, when no fresh one is left and the policy says "saturated", used anyway
 * and counted as saturated. Ejected endpoints are dropped unless every endpoint that could serve is
 * ejected (Envoy's panic mode: better one more try than a certain 503).
 */
import { RouterError } from "../core/errors.js";
import type { Endpoint } from "../state/types.js";
import type { SchedulingRequest } from "./types.js";

/** What to do with endpoints whose last push is older than the store's staleness limit. */
export type StaleEndpointPolicy = "exclude" | "saturated";

/** Why an endpoint is not a candidate (explain reports these). */
export type ExclusionReason = "subset" | "not-ready" | "model" | "ejected" | "stale";

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

/** Never ejected: for callers without passive health. */
export const noEjection = (_e: Endpoint): boolean => false;

/**
 * Fills `out` with the candidates (cleared first) and returns true when they are stale endpoints
 * used under the "saturated" policy. `excluded`, when given, receives every dropped endpoint.
 * `isEjected` (src/state/outlier-ejection.ts) drops endpoints whose connections just failed.
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
  isEjected: (e: Endpoint) => boolean = noEjection,
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
  let ejected = 0;
  const model = request.targetModel;
  for (let i = 0; i < endpoints.length; i++) {
    const e = endpoints[i]!;
    let reason: ExclusionReason | undefined;
    if (subset && !subset.has(e.ip)) reason = "subset";
    else {
      inSubset++;
      if (!e.ready) reason = "not-ready";
      else if (!servesModel(e, model)) reason = "model";
      else if (isEjected(e)) {
        ejected++;
        reason = "ejected";
      } else if (isStale(e)) {
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
  if (ejected > 0) {
    const usedStale = panicCandidates(endpoints, model, subset, isStale, policy, out);
    if (out.length > 0) return usedStale;
  }
  const why = stale.length > 0 ? ` (${stale.length} stale)` : "";
  throw new RouterError(
    "ServiceUnavailable",
    `no ready, fresh endpoint of pool "${pool}" serves model "${model}"${why}`,
  );
}

/**
 * Every endpoint that could serve is ejected: use the ejected ones rather than refuse (fresh ones,
 * or stale ones too under the "saturated" policy). Returns whether stale ones were used; `out` may
 * stay empty (only stale ones, policy "exclude").
 */
function panicCandidates(
  endpoints: readonly Endpoint[],
  model: string,
  subset: Set<string> | undefined,
  isStale: (e: Endpoint) => boolean,
  policy: StaleEndpointPolicy,
  out: Endpoint[],
): boolean {
  let usedStale = false;
  for (const e of endpoints) {
    if ((subset && !subset.has(e.ip)) || !e.ready || !servesModel(e, model)) continue;
    if (isStale(e)) {
      if (policy !== "saturated") continue;
      usedStale = true;
    }
    out.push(e);
  }
  return usedStale;
}

/**
 * One more endpoint for a request whose listed fallbacks are used up while attempts remain: a
 * ready, not ejected endpoint of the pool serving `model`, not in `tried`, fresh ones first, the
 * least loaded by the router's own in-flight requests. Undefined when there is none.
 */
export function nextFallback(
  endpoints: readonly Endpoint[],
  model: string,
  tried: readonly string[],
  isStale: (e: Endpoint) => boolean,
  isEjected: (e: Endpoint) => boolean,
): Endpoint | undefined {
  let best: Endpoint | undefined;
  let bestStale = true;
  for (const e of endpoints) {
    if (!e.ready || !servesModel(e, model) || tried.includes(e.address) || isEjected(e)) continue;
    const stale = isStale(e);
    if (
      best === undefined ||
      (bestStale && !stale) ||
      (bestStale === stale && e.inFlight.requests < best.inFlight.requests)
    ) {
      best = e;
      bestStale = stale;
    }
  }
  return best;
}
