/**
 * The manifest loader: text of YAML/JSON files in, typed resources out (or every problem, one line each).
 * Works on text only so it runs on any runtime; reading files is the runtime's job.
 */
import { parseAllDocuments } from "yaml";
import { crossCheck, type GatheredResources } from "./cross-checks.js";
import { KINDS } from "./kinds.js";
import { formatIssue, formatValue, type ManifestIssue } from "./manifest-issue.js";
import { DEFAULT_NAMESPACE } from "./names.js";
import type { ManifestFile, ParseManifestsResult } from "./resources.js";
import { defaultRouterConfig } from "./router-config.js";
import type { DocumentSource } from "./zod-issues.js";

/** Aliases expanded per document before giving up (defends against "billion laughs" YAML). */
const MAX_ALIAS_COUNT = 100;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function envelopeIssue(source: DocumentSource, field: string, value: unknown, rule: string): ManifestIssue {
  return { file: source.file, doc: source.doc, field, value: formatValue(value), rule };
}

/** Checks `kind` and `apiVersion` and decodes one document into `set`, or adds its issues to `issues`. */
function decodeDocument(
  data: unknown,
  source: DocumentSource,
  set: GatheredResources,
  issues: ManifestIssue[],
) {
  if (!isRecord(data)) {
    issues.push(
      envelopeIssue(source, "", data, "a document must be a mapping with apiVersion, kind, metadata"),
    );
    return;
  }
  const { kind, apiVersion } = data;
  const known = Object.keys(KINDS);
  if (typeof kind !== "string" || !Object.hasOwn(KINDS, kind)) {
    const rule = kind === undefined ? "is required" : `unknown kind; expected one of ${known.join(", ")}`;
    issues.push(envelopeIssue(source, "kind", kind, rule));
    return;
  }
  if (kind === "InferencePool") {
    const meta = isRecord(data.metadata) ? data.metadata : {};
    const ns = typeof meta.namespace === "string" ? meta.namespace : DEFAULT_NAMESPACE;
    if (typeof meta.name === "string") set.declaredPools.add(`${ns}/${meta.name}`);
  }
  const versions = KINDS[kind]!;
  const decoder =
    typeof apiVersion === "string" && Object.hasOwn(versions, apiVersion) ? versions[apiVersion] : undefined;
  if (decoder === undefined) {
    const expected = Object.keys(versions).map((v) => JSON.stringify(v));
    const rule =
      apiVersion === undefined ? "is required" : `must be ${expected.join(" or ")} for kind ${kind}`;
    issues.push(envelopeIssue(source, "apiVersion", apiVersion, rule));
    return;
  }
  const decoded = decoder(data, source);
  if (!decoded.ok) {
    issues.push(...decoded.issues);
    return;
  }
  const r = decoded.value;
  switch (r.kind) {
    case "InferencePool":
      set.pools.push(r.value);
      break;
    case "InferenceObjective":
      set.objectives.push(r.value);
      break;
    case "InferenceModel":
      set.models.push(r.value);
      break;
    case "InferenceModelRewrite":
      set.rewrites.push(r.value);
      break;
    case "EndpointPickerConfig":
      set.schedulerConfigs.push(r.value);
      break;
    case "RouterConfig":
      set.routers.push({ value: r.value, source: r.source });
      break;
  }
}

/** Splits one file into documents and decodes each; YAML syntax errors become issues with line and column. */
function parseFile(file: ManifestFile, set: GatheredResources, issues: ManifestIssue[]): void {
  const docs = parseAllDocuments(file.text, { prettyErrors: true });
  docs.forEach((doc, index) => {
    const source = { file: file.path, doc: index };
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = err.linePos?.[0];
        const message = err.message.split(" at line ")[0]!.split("\n")[0]!;
        const syntax: ManifestIssue = {
          ...source,
          field: "",
          value: undefined,
          rule: `invalid YAML: ${message}`,
        };
        if (pos !== undefined) {
          syntax.line = pos.line;
          syntax.column = pos.col;
        }
        issues.push(syntax);
      }
      return;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      issues.push({ ...source, field: "", value: undefined, rule: `invalid YAML: ${message}` });
      return;
    }
    // Empty documents (a trailing `---`, a file of comments) are skipped.
    if (data === null || data === undefined) return;
    decodeDocument(data, source, set, issues);
  });
}

/**
 * Parses a config set: every YAML (or JSON) document of every file, in the order given. Returns the
 * normalized resources, or `ok: false` with every issue found, formatted one per line as
 * `file#doc field: value — rule` (the document index is 0-based within its file). Never throws on bad input;
 * see {@link ManifestError} to turn a failure into an exception.
 *
 * @example
 * const result = parseManifests([{ path: "pool.yaml", text }]);
 * if (!result.ok) console.error(result.errors.join("\n"));
 */
export function parseManifests(files: readonly ManifestFile[]): ParseManifestsResult {
  const set: GatheredResources = {
    pools: [],
    objectives: [],
    models: [],
    rewrites: [],
    schedulerConfigs: [],
    routers: [],
    declaredPools: new Set(),
  };
  const issues: ManifestIssue[] = [];
  for (const file of files) parseFile(file, set, issues);
  issues.push(...crossCheck(set));
  if (issues.length > 0) return { ok: false, errors: issues.map(formatIssue), issues };
  const { routers, declaredPools: _declared, ...lists } = set;
  return { ok: true, resources: { router: routers[0]?.value ?? defaultRouterConfig(), ...lists } };
}
