/**
 * One problem found in a manifest, and the one-line format every loader error uses:
 * `runtimes/node/examples/demo/pool.yaml#0 spec.targetPorts[1].number: 70000 — must be between 1 and 65535`.
 */

/** Longest rendering of a bad value before it is cut (characters). */
export const MAX_VALUE_CHARS = 80;

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

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Renders a path such as `["spec", "targetPorts", 1, "number"]` as `spec.targetPorts[1].number`; keys that
 * are not plain identifiers (label keys like `app.kubernetes.io/name`) are quoted in brackets.
 */
export function formatFieldPath(path: readonly PropertyKey[]): string {
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

/** Renders a value as JSON cut to {@link MAX_VALUE_CHARS}; `undefined` renders as "(missing)". */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
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
    field: formatFieldPath(path),
    value: formatValue(valueAt(input, path)),
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
