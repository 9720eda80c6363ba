/**
 * Engine-side priority (opt-in): the request's priority (from its InferenceObjective; absent = 0)
 * written into the body's `priority` field, in the engine's own convention, so the engine's scheduler
 * serves critical requests first among those it already holds.
 *
 * - `vllm`: vLLM's `priority` (lower = served first; needs `--scheduling-policy priority`, else vLLM
 *   answers 400 to any non-zero value): the objective's priority negated (critical 2 -> -2, sheddable -1 -> 1).
 * - `sglang`: SGLang's `priority` (needs `--enable-priority-scheduling`; by default a higher value is
 *   served first, `--schedule-low-priority-values-first` flips it): the objective's priority as is.
 * - `off` (default): the body is left alone.
 *
 * A client's own `priority` field is replaced: the InferenceObjective decides, as it does for the router.
 */
import { RouterError } from "../core/errors.js";
import { type RewrittenBody, rewriteModelInBody } from "../request/body-rewrite.js";

/** RouterConfig `spec.proxy.enginePriority` values; `off` is the default. */
export const enginePriorityModes = ["off", "vllm", "sglang"] as const;
export type EnginePriorityMode = (typeof enginePriorityModes)[number];

/** The engine's `priority` value for a request of this priority; undefined when the mode is off. */
export function enginePriorityValue(mode: EnginePriorityMode, priority: number): number | undefined {
  if (mode === "off") return undefined;
  // 0 - p, not -p: no -0 in the JSON.
  return mode === "vllm" ? 0 - priority : priority;
}

const encoder = new TextEncoder();

/**
 * The body sent to the engine: the model rewrite (src/request/body-rewrite.ts) and, when the mode
 * is not off, `priority` set for the engine (every other field and the key order kept; a new key goes
 * last). The client's bytes come back unchanged when neither the model nor the priority differs.
 *
 * @example
 * const { body, changed } = engineBody(input.body, parsed.json, resolution.targetModel, "vllm", resolution.priority);
 */
export function engineBody(
  original: Uint8Array | string,
  json: Readonly<Record<string, unknown>>,
  targetModel: string,
  mode: EnginePriorityMode,
  priority: number,
): RewrittenBody {
  const value = enginePriorityValue(mode, priority);
  if (value === undefined || json.priority === value) return rewriteModelInBody(original, json, targetModel);
  let text: string;
  try {
    text = JSON.stringify({ ...json, model: targetModel, priority: value });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new RouterError("BadRequest", "request body: nested too deeply to set its priority");
  }
  return { body: encoder.encode(text), changed: true };
}
