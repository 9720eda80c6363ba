/**
 * Turns zod issues into manifest issues: the one renderer in src/core/field-error.ts (house wording for
 * the rule, the field path, the bad value looked up in the input) plus the file and document.
 */
import type { z } from "zod";
import { fieldIssues, zodErrorMap } from "../core/field-error.js";
import type { ManifestIssue } from "./manifest-issue.js";

/** Where a document came from: file path and 0-based document index. */
export interface DocumentSource {
  file: string;
  doc: number;
}

/** Maps a zod error on `input` to manifest issues; an unknown-key issue becomes one issue per key. */
export function issuesFromZod(error: z.ZodError, input: unknown, source: DocumentSource): ManifestIssue[] {
  return fieldIssues(error, input).map((i) => ({
    file: source.file,
    doc: source.doc,
    field: i.field,
    value: i.value,
    rule: i.rule,
  }));
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
  const result = schema.safeParse(input, { error: zodErrorMap });
  if (!result.success) return { ok: false, issues: issuesFromZod(result.error, input, source) };
  return { ok: true, value: normalize(result.data, source) };
}
