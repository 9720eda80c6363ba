/**
 * How every boundary names a bad input: the field's path, the value found there and the rule. One
 * implementation for snapshots, OpenAI bodies, manifests and edge pushes.
 */
import { RouterError } from "./errors.js";

/** Longest rendering of a bad value, in characters. */
export const MAX_VALUE_CHARS = 80;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Renders `["spec", "targetPorts", 1, "number"]` as `spec.targetPorts[1].number`; keys that are not
 * plain identifiers (label keys like `app.kubernetes.io/name`) are quoted in brackets.
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else {
      const text = String(key);
      if (IDENTIFIER.test(text)) out += out === "" ? text : `.${text}`;
      else out += `[${JSON.stringify(text)}]`;
    }
  }
  return out;
}

/** Looks a path up in parsed input; undefined when any step is missing. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A value as JSON cut to {@link MAX_VALUE_CHARS}; bigints as digits; `undefined` as "(missing)". */
export function renderValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "bigint") return value.toString();
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** The parts of a zod issue this module reads. */
export interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * A BadRequest for the first failed rule of a schema: `endpoints[0].metrics.kvCacheUsage: 1.5 must be
 * between 0 and 1`; a missing field reads `model: (missing) is required`. `whole` names the input when
 * the issue is about all of it.
 */
export function badRequestFromIssue(input: unknown, issue: IssueLike, whole: string): RouterError {
  const field = fieldPath(issue.path);
  const value = valueAt(input, issue.path);
  const what = value === undefined ? "(missing) is required" : `${renderValue(value)} ${issue.message}`;
  return new RouterError("BadRequest", `${field || whole}: ${what}`, field);
}
