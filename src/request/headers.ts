/**
 * Request headers whose meaning the core owns (upstream names), and the one-method header view the
 * core reads them through, which both Fetch `Headers` and an ext_proc header map satisfy.
 */

/** Names an InferenceObjective; its priority becomes the request's (unknown or absent = 0). */
export const OBJECTIVE_HEADER = "x-gateway-inference-objective";
/** Overrides the target model after every other resolution step. */
export const MODEL_NAME_REWRITE_HEADER = "x-gateway-model-name-rewrite";
/** Request id; generated when absent. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * Read-only header access, the one view every front end hands the core: Fetch `Headers` satisfies it,
 * and so do the views over Envoy's header map and a node:http header record.
 */
export interface HeaderView {
  /** Case-insensitive; null when absent. */
  get(name: string): string | null;
}

/** A HeaderView over a plain map of lower-case names (tests). */
export function headerViewFromMap(
  map: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): HeaderView {
  if (map instanceof Map) return { get: (name) => map.get(name.toLowerCase()) ?? null };
  const record = map as Readonly<Record<string, string>>;
  return {
    get: (name) => (Object.hasOwn(record, name.toLowerCase()) ? (record[name.toLowerCase()] ?? null) : null),
  };
}
