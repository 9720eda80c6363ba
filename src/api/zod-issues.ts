/**
 * Turns zod issues into manifest issues: house wording for the rule ("must be between 1 and 65535"),
 * the field path, and the bad value looked up in the input (zod does not echo inputs by default).
 */
import type { z } from "zod";
import { issueAt, type ManifestIssue } from "./manifest-issue.js";

/** Where a document came from: file path and 0-based document index. */
export interface DocumentSource {
  file: string;
  doc: number;
}

type RawIssue = z.core.$ZodRawIssue;

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  record: "a mapping",
};

function bound(kind: "least" | "most", issue: { origin?: unknown }, n: unknown): string {
  switch (issue.origin) {
    case "string":
      return kind === "least" && n === 1 ? "must not be empty" : `must be at ${kind} ${n} characters long`;
    case "array":
    case "set":
      return kind === "least" && n === 1 ? "must not be empty" : `must have at ${kind} ${n} entries`;
    case "object":
    case "record":
      return kind === "least" && n === 1 ? "must not be empty" : `must have at ${kind} ${n} keys`;
    default:
      return `must be at ${kind} ${n}`;
  }
}

/** z.int() reports a wrong type as "expected number"; its format tells it apart from z.number(). */
function isIntegerSchema(inst: unknown): boolean {
  const format = (inst as { _zod?: { def?: { format?: unknown } } } | undefined)?._zod?.def?.format;
  return typeof format === "string" && format.includes("int");
}

/**
 * The per-parse error map: rewords zod's defaults. Messages set on a schema (e.g. a port range) win
 * over this map, as zod gives schema-level messages precedence.
 */
export function manifestErrorMap(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      if (isIntegerSchema(issue.inst)) return "must be an integer";
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case "too_small":
      return bound("least", issue, issue.minimum);
    case "too_big":
      return bound("most", issue, issue.maximum);
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "url" ? "must be a URL" : `must be a valid ${issue.format}`;
    case "unrecognized_keys":
      return "is not a known field";
    default:
      return undefined;
  }
}

/** Maps a zod error on `input` to manifest issues; an unknown-key issue becomes one issue per key. */
export function issuesFromZod(error: z.ZodError, input: unknown, source: DocumentSource): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push(issueAt(source, input, [...issue.path, key], "is not a known field (check its spelling)"));
      }
    } else {
      out.push(issueAt(source, input, issue.path, issue.message));
    }
  }
  return out;
}

/** Result of decoding one document. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; issues: ManifestIssue[] };

/** Parses `input` with `schema` and normalizes it, or returns every issue found. */
export function decode<S extends z.ZodType, T>(
  schema: S,
  input: unknown,
  source: DocumentSource,
  normalize: (parsed: z.output<S>, source: DocumentSource) => T,
): Decoded<T> {
  const result = schema.safeParse(input, { error: manifestErrorMap });
  if (!result.success) return { ok: false, issues: issuesFromZod(result.error, input, source) };
  return { ok: true, value: normalize(result.data, source) };
}
