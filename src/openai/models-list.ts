/**
 * GET /v1/models and GET /v1/models/{id} in OpenAI's shape, for every front door that lists models
 * (the HTTP router from its config, the edge from its fresh regions). `created` is the Unix second
 * the list was made: the router does not know when a model was created, and OpenAI clients only
 * require a number.
 */
import { RouterError } from "../core/errors.js";

/** `owned_by` of every model the router lists. */
export const MODEL_OWNER = "inference-router";

/** One model object. */
export interface ModelObject {
  id: string;
  object: "model";
  /** Unix seconds. */
  created: number;
  owned_by: string;
}

/** The list object. */
export interface ModelList {
  object: "list";
  data: ModelObject[];
}

function modelObject(id: string, nowMs: number): ModelObject {
  return { id, object: "model", created: Math.floor(nowMs / 1000), owned_by: MODEL_OWNER };
}

/**
 * The list for the given names, sorted and without duplicates; `nowMs` is wall-clock ms since epoch.
 *
 * @example
 * modelsList(["b", "a"], Date.now()).data.map((m) => m.id); // ["a", "b"]
 */
export function modelsList(names: Iterable<string>, nowMs: number): ModelList {
  return { object: "list", data: [...new Set(names)].sort().map((id) => modelObject(id, nowMs)) };
}

/**
 * One model by id. Throws RouterError("NotFound") with the field `model` (OpenAI's code
 * `model_not_found`) when the router does not serve it.
 */
export function modelObjectFor(names: Iterable<string>, id: string, nowMs: number): ModelObject {
  for (const name of names) if (name === id) return modelObject(id, nowMs);
  throw modelNotFound(id);
}

/** The error for a model nobody serves: 404, OpenAI code `model_not_found`, param `model`. */
export function modelNotFound(id: string): RouterError {
  return new RouterError("NotFound", `The model '${id}' does not exist`, "model");
}
