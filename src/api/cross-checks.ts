/**
 * Rules that span documents: no two resources with the same kind, namespace and name; at most one
 * RouterConfig; every poolRef names a pool of the set; the EndpointPickerConfig and profile that run can
 * be told (./scheduler-selection.ts); an InferenceModel's modelName is unique within its pool.
 */
import { formatValue, type ManifestIssue } from "./manifest-issue.js";
import type { RouterResources } from "./resources.js";
import { selectSchedulerConfig } from "./scheduler-selection.js";
import type { DocumentSource } from "./zod-issues.js";

/** Resources gathered from a config set before the cross checks. */
export interface GatheredResources extends Omit<RouterResources, "router"> {
  /** Every RouterConfig seen, in order. */
  routers: { value: RouterResources["router"]; source: DocumentSource }[];
  /**
   * `namespace/name` of every InferencePool document, valid or not, so that a pool with its own errors
   * does not also produce "no such pool" errors in the resources that point at it.
   */
  declaredPools: Set<string>;
}

interface Named {
  name: string;
  namespace: string;
  source: DocumentSource;
}

function issue(source: DocumentSource, field: string, value: unknown, rule: string): ManifestIssue {
  return { file: source.file, doc: source.doc, field, value: formatValue(value), rule };
}

function where(source: DocumentSource): string {
  return `${source.file}#${source.doc}`;
}

function checkUnique(kind: string, list: readonly Named[], out: ManifestIssue[]): void {
  const seen = new Map<string, DocumentSource>();
  for (const r of list) {
    const key = `${r.namespace}/${r.name}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, r.source);
    else
      out.push(
        issue(r.source, "metadata.name", r.name, `duplicates ${kind} ${key} defined at ${where(first)}`),
      );
  }
}

function checkPoolRefs(
  kind: string,
  list: readonly (Named & { poolName: string })[],
  declared: Set<string>,
  out: ManifestIssue[],
): void {
  for (const r of list) {
    if (declared.has(`${r.namespace}/${r.poolName}`)) continue;
    const known = [...declared].filter((k) => k.startsWith(`${r.namespace}/`)).map((k) => k.split("/")[1]);
    out.push(
      issue(
        r.source,
        "spec.poolRef.name",
        r.poolName,
        `must name an InferencePool defined in namespace "${r.namespace}" of this config (${kind} ${r.name}; ` +
          `defined: ${known.join(", ") || "none"})`,
      ),
    );
  }
}

/** Runs every cross-document rule; returns the issues found (empty when all hold). */
export function crossCheck(set: GatheredResources): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  checkUnique("InferencePool", set.pools, out);
  checkUnique("InferenceObjective", set.objectives, out);
  checkUnique("InferenceModel", set.models, out);
  checkUnique("InferenceModelRewrite", set.rewrites, out);
  checkUnique("EndpointPickerConfig", set.schedulerConfigs, out);

  const [first, ...extra] = set.routers;
  for (const r of extra) {
    out.push(
      issue(
        r.source,
        "kind",
        "RouterConfig",
        `only one RouterConfig is allowed (first at ${where(first!.source)})`,
      ),
    );
  }

  checkPoolRefs("InferenceObjective", set.objectives, set.declaredPools, out);
  checkPoolRefs("InferenceModel", set.models, set.declaredPools, out);
  checkPoolRefs("InferenceModelRewrite", set.rewrites, set.declaredPools, out);

  const modelNames = new Map<string, DocumentSource>();
  for (const m of set.models) {
    const key = `${m.namespace}/${m.poolName}/${m.modelName}`;
    const prior = modelNames.get(key);
    if (prior === undefined) modelNames.set(key, m.source);
    else
      out.push(
        issue(
          m.source,
          "spec.modelName",
          m.modelName,
          `must be unique within pool ${m.poolName} (also at ${where(prior)})`,
        ),
      );
  }

  checkSchedulerRef(first, set, out);
  return out;
}

function checkSchedulerRef(
  router: GatheredResources["routers"][number] | undefined,
  set: GatheredResources,
  out: ManifestIssue[],
) {
  const settings = router?.value ?? { scheduler: {} };
  const selected = selectSchedulerConfig(settings, set.schedulerConfigs);
  if (selected.ok) return;
  const { at, field, value, rule } = selected.problem;
  // A "router" problem comes from RouterConfig fields, so a RouterConfig is there to point at.
  const source = at === "router" ? router!.source : at;
  out.push({
    file: source.file,
    doc: source.doc,
    field,
    value: value === undefined ? undefined : formatValue(value),
    rule,
  });
}
