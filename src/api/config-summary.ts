/**
 * What a loaded config set resolves to, in plain records for `inference-router check-config` (and its
 * `--json`): the resources one line each, and the RouterConfig settings that differ from the defaults.
 */
import type { RouterResources } from "./resources.js";
import { defaultRouterConfig } from "./router-config.js";
import type { DocumentSource } from "./zod-issues.js";

/** A RouterConfig setting that is not its default. */
export interface SettingChange {
  /** e.g. "spec.listen.httpPort". */
  field: string;
  value: unknown;
  /** undefined for settings without a default (tokens, the edge push). */
  default: unknown;
}

/** One resource, named `namespace/name`, with what it resolves to and where it came from. */
export interface ResourceLine {
  kind: string;
  name: string;
  /** What it means, on one line, e.g. "priority 10 -> pool pool-a". */
  detail: string;
  /** `file#doc`. */
  source: string;
}

/** The resolved resources of a config set, scheduler aside (see src/routing/scheduler-config-ref.ts). */
export interface ConfigSummary {
  resources: ResourceLine[];
  /** RouterConfig settings that differ from {@link defaultRouterConfig}, in schema order. */
  settings: SettingChange[];
}

const where = (s: DocumentSource) => `${s.file}#${s.doc}`;
const weighted = (list: readonly { weight: number }[], name: (i: number) => string) =>
  list.map((t, i) => (list.length === 1 ? name(i) : `${name(i)} (weight ${t.weight})`)).join(", ");

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function diff(actual: unknown, base: unknown, path: string, out: SettingChange[]): void {
  if (isRecord(actual)) {
    for (const [key, value] of Object.entries(actual)) {
      diff(value, isRecord(base) ? base[key] : undefined, `${path}.${key}`, out);
    }
    return;
  }
  if (JSON.stringify(actual) === JSON.stringify(base)) return;
  // Tokens are secrets: say that one is set, never what it is (token files are paths, shown).
  const value = /token$/i.test(path) && actual !== undefined ? "(set)" : actual;
  out.push({ field: path, value, default: base });
}

/**
 * Summarizes a config set.
 *
 * @example
 * const { resources, settings } = summarizeConfig(loaded);
 * for (const r of resources) console.log(`${r.kind} ${r.name}: ${r.detail} (${r.source})`);
 */
export function summarizeConfig(r: RouterResources): ConfigSummary {
  const lines: ResourceLine[] = [];
  const add = (
    kind: string,
    x: { namespace: string; name: string; source: DocumentSource },
    detail: string,
  ) => lines.push({ kind, name: `${x.namespace}/${x.name}`, detail, source: where(x.source) });
  for (const p of r.pools) {
    const selector = Object.entries(p.selector).map(([k, v]) => `${k}=${v}`);
    add(
      "InferencePool",
      p,
      `selector ${selector.join(",")}, targetPorts ${p.targetPorts.join(",")}, ${p.failureMode}`,
    );
  }
  for (const o of r.objectives) add("InferenceObjective", o, `priority ${o.priority} -> pool ${o.poolName}`);
  for (const m of r.models) {
    const targets =
      m.targetModels.length === 0 ? "" : ` -> ${weighted(m.targetModels, (i) => m.targetModels[i]!.name)}`;
    add("InferenceModel", m, `model ${m.modelName}${targets}, priority ${m.priority} -> pool ${m.poolName}`);
  }
  for (const w of r.rewrites) {
    const rules = w.rules.map((rule) => {
      const from = rule.matches.length === 0 ? "any model" : rule.matches.join(" | ");
      return `${from} -> ${weighted(rule.targets, (i) => rule.targets[i]!.model)}`;
    });
    add("InferenceModelRewrite", w, `${rules.join("; ")} -> pool ${w.poolName}`);
  }
  const settings: SettingChange[] = [];
  diff(r.router, defaultRouterConfig(), "spec", settings);
  return { resources: lines, settings };
}
