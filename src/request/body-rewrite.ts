import { RouterError } from "../core/errors.js";

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
 * `model` replaced (key order and every other field kept). `json` is not modified. A body too deep to
 * re-serialise (parseBody refuses those first, see MAX_BODY_DEPTH) is a BadRequest, not a stack overflow.
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
  let text: string;
  try {
    text = JSON.stringify({ ...json, model: targetModel });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new RouterError("BadRequest", "request body: nested too deeply to rewrite its model");
  }
  return { body: encoder.encode(text), changed: true };
}
