/** The request headers flow control reads (upstream names; the newer x-llm-d-* name wins). */
import type { HeaderView } from "../request/headers.js";

/** Fairness id: upstream's current name, then the older Gateway API one. */
export const FAIRNESS_ID_HEADERS = [
  "x-llm-d-inference-fairness-id",
  "x-gateway-inference-fairness-id",
] as const;
/** The flow of a request without a fairness id. */
export const DEFAULT_FLOW_ID = "default-flow";
/** TTFT objective in ms (slo-deadline-ordering-policy): upstream's name, then its older one. */
export const SLO_TTFT_HEADERS = ["x-llm-d-slo-ttft-ms", "x-slo-ttft-ms"] as const;
/** Longest fairness id kept (a longer one is cut: it is a queue key and a metric label). */
export const MAX_FAIRNESS_ID_CHARS = 256;

/** The request's fairness id (trimmed, cut to 256 characters), or `default-flow`. */
export function fairnessIdOf(headers: HeaderView): string {
  for (const name of FAIRNESS_ID_HEADERS) {
    const v = headers.get(name)?.trim();
    if (v) return v.length > MAX_FAIRNESS_ID_CHARS ? v.slice(0, MAX_FAIRNESS_ID_CHARS) : v;
  }
  return DEFAULT_FLOW_ID;
}

/** The request's TTFT objective in ms; undefined when absent or not a positive number. */
export function sloTtftMsOf(headers: HeaderView): number | undefined {
  for (const name of SLO_TTFT_HEADERS) {
    const v = headers.get(name);
    if (v === null) continue;
    const ms = Number(v.trim());
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
  }
  return undefined;
}
