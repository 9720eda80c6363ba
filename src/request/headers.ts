/**
 * Request headers whose meaning the core owns (upstream names), and the one-method header view the
 * core reads them through, which both Fetch `Headers` and an ext_proc header map satisfy.
 */

/** Names an InferenceObjective; its priority becomes the request's (unknown or absent = 0). */
export const OBJECTIVE_HEADER = "x-gateway-inference-objective";
/** Overrides the target model after every other resolution step. */
export const MODEL_NAME_REWRITE_HEADER = "x-gateway-model-name-rewrite";
/** Flow-control fairness key (default {@link DEFAULT_FAIRNESS_ID}). */
export const FAIRNESS_ID_HEADER = "x-gateway-inference-fairness-id";
/** Fairness key of requests that set none. */
export const DEFAULT_FAIRNESS_ID = "default-flow";
/** Request id; generated when absent. */
export const REQUEST_ID_HEADER = "x-request-id";

/** Read-only header access by (case-insensitive, lower-case) name; null when absent. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** A HeaderReader over a plain map of lower-case names (ext_proc headers, tests). */
export function headerReaderFromMap(
  map: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): HeaderReader {
  if (map instanceof Map) return { get: (name) => map.get(name.toLowerCase()) ?? null };
  const record = map as Readonly<Record<string, string>>;
  return {
    get: (name) => (Object.hasOwn(record, name.toLowerCase()) ? (record[name.toLowerCase()] ?? null) : null),
  };
}
