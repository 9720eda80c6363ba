/**
 * The request body sent to the engine: the client's bytes unchanged, unless resolution picked a
 * different model, in which case (and only then) the parsed body is re-serialised with the new `model`.
 */

const encoder = new TextEncoder();

/** The body to forward. */
export interface RewrittenBody {
  body: Uint8Array;
  /** True when `body` differs from the original (set content-length to `body.byteLength`). */
  changed: boolean;
}

/**
 * Returns the original bytes when `json.model` already equals `targetModel`; otherwise a new body with
 * `model` replaced (key order and every other field kept). `json` is not modified.
 *
 * @example
 * const { body, changed } = rewriteModelInBody(bytes, parsed.json, resolution.targetModel);
 */
export function rewriteModelInBody(
  original: Uint8Array | string,
  json: Readonly<Record<string, unknown>>,
  targetModel: string,
): RewrittenBody {
  if (json.model === targetModel) {
    return { body: typeof original === "string" ? encoder.encode(original) : original, changed: false };
  }
  return { body: encoder.encode(JSON.stringify({ ...json, model: targetModel })), changed: true };
}
