/**
 * The OpenAI APIs the router understands and the path each one is served on: one table, read by the
 * HTTP router (which routes to serve), the ext_proc session (which body schema to parse) and the edge.
 */

/** An OpenAI API whose body the router parses. */
export type ApiKind = "completions" | "chat" | "embeddings" | "responses";

/** Inference paths and the API each one carries (all POST). */
export const apiPaths: Readonly<Record<string, ApiKind>> = {
  "/v1/completions": "completions",
  "/v1/chat/completions": "chat",
  "/v1/embeddings": "embeddings",
  "/v1/responses": "responses",
};

/**
 * The API kind of a request path ("?query" ignored), or undefined for a path the router does not parse.
 *
 * @example
 * apiKindFromPath("/v1/chat/completions?x=1"); // "chat"
 */
export function apiKindFromPath(path: string): ApiKind | undefined {
  const q = path.indexOf("?");
  const key = q < 0 ? path : path.slice(0, q);
  return Object.hasOwn(apiPaths, key) ? apiPaths[key] : undefined;
}
