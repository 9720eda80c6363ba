/**
 * One problem found in a manifest, and the one-line format every loader error uses:
 * `runtimes/node/examples/demo/pool.yaml#0 spec.targetPorts[1].number: 70000 — must be between 1 and 65535`.
 */

import { fieldPath, renderValue, valueAt } from "../core/field-error.js";

/** Manifest errors name fields and values the way every other boundary does (src/core/field-error.ts). */
export { MAX_VALUE_CHARS } from "../core/field-error.js";
export { fieldPath as formatFieldPath, renderValue as formatValue, valueAt };

/** One problem in one document of one file. */
export interface ManifestIssue {
  /** The file path as given to the parser. */
  file: string;
  /** 0-based index of the YAML document within the file (`---` separated). */
  doc: number;
  /** Dotted field path inside the document (`spec.targetPorts[1].number`); "" for the whole document. */
  field: string;
  /** The offending value rendered as truncated JSON, "(missing)" when absent; undefined when there is none. */
  value: string | undefined;
  /** The rule broken, e.g. "must be unique". */
  rule: string;
  /** 1-based line of the problem, when known (YAML syntax errors). */
  line?: number;
  /** 1-based column of the problem, when known. */
  column?: number;
}

/** Builds an issue for `field` of a document, rendering the value found at `path` in `input`. */
export function issueAt(
  source: { file: string; doc: number },
  input: unknown,
  path: readonly PropertyKey[],
  rule: string,
): ManifestIssue {
  return {
    file: source.file,
    doc: source.doc,
    field: fieldPath(path),
    value: renderValue(valueAt(input, path)),
    rule,
  };
}

/** Formats an issue on one line: `file#doc field: value — rule`. */
export function formatIssue(issue: ManifestIssue): string {
  const where = issue.line === undefined ? "" : ` line ${issue.line}, column ${issue.column ?? 1}`;
  const field = issue.field === "" ? "" : ` ${issue.field}`;
  const value = issue.value === undefined ? "" : ` ${issue.value}`;
  const head = `${issue.file}#${issue.doc}${where}${field}`;
  return value === "" ? `${head}: ${issue.rule}` : `${head}:${value} — ${issue.rule}`;
}
