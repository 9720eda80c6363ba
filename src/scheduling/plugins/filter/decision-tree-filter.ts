/**
 * decision-tree-filter: runs a filter, then another depending on whether it left anything. On
 * success the next filter gets the survivors; on failure it gets the original input.
 *
 * Parameters, either form:
 * - upstream tree: `{current, nextOnSuccess?, nextOnFailure?, nextOnSuccessOrFailure?}`, each entry
 *   `{pluginRef: "<filter declared earlier>"}` or `{decisionTree: {...}}`;
 * - no `current`: the legacy scheduler's tree, with thresholds queueingThresholdLoRA (128),
 *   loraAffinityThreshold (0.999), queueThresholdCritical (5), kvCacheThreshold (0.8):
 *   sheddable-capacity -> (ok) low-queue -> (ok) lora-affinity -> least-queue -> least-kv-cache
 *                                        -> (fail) least-queue -> lora-affinity -> least-kv-cache
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { type Filter, isFilter } from "../../framework/filter.js";
import {
  type CycleContext,
  type PluginDeps,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { LeastKvCacheFilter } from "./least-kv-cache-filter.js";
import { LeastQueueFilter } from "./least-queue-filter.js";
import { defaultLoraAffinityThreshold, LoraAffinityFilter } from "./lora-affinity-filter.js";
import { defaultQueueingThresholdLoRA, LowQueueFilter } from "./low-queue-filter.js";
import {
  defaultKvCacheThreshold,
  defaultQueueThresholdCritical,
  SheddableCapacityFilter,
} from "./sheddable-capacity-filter.js";

export const decisionTreeFilterType = "decision-tree-filter";

/** One node of the tree. */
export interface DecisionTreeBranches {
  onSuccess?: Filter | undefined;
  onFailure?: Filter | undefined;
  onSuccessOrFailure?: Filter | undefined;
}

export class DecisionTreeFilter implements Filter {
  readonly type: string = decisionTreeFilterType;
  readonly name: string;
  readonly current: Filter;
  readonly #onSuccess: Filter | undefined;
  readonly #onFailure: Filter | undefined;

  constructor(name: string, current: Filter, branches: DecisionTreeBranches = {}) {
    this.name = name;
    this.current = current;
    this.#onSuccess = branches.onSuccess ?? branches.onSuccessOrFailure;
    this.#onFailure = branches.onFailure ?? branches.onSuccessOrFailure;
  }

  filter(ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const kept = this.current.filter(ctx, req, endpoints);
    if (kept.length > 0) return this.#onSuccess ? this.#onSuccess.filter(ctx, req, kept) : kept;
    return this.#onFailure ? this.#onFailure.filter(ctx, req, endpoints) : kept;
  }
}

/** Thresholds of the legacy tree. */
export interface LegacyTreeThresholds {
  queueingThresholdLoRA: number;
  loraAffinityThreshold: number;
  queueThresholdCritical: number;
  kvCacheThreshold: number;
}

/** The legacy scheduler's filter tree (see the module comment). */
export function createLegacyDecisionTree(name: string, t: LegacyTreeThresholds): DecisionTreeFilter {
  const leastKv = new LeastKvCacheFilter(`${name}/least-kv-cache`);
  const queueAndKv = new DecisionTreeFilter(name, new LeastQueueFilter(`${name}/least-queue`), {
    onSuccessOrFailure: leastKv,
  });
  const queueLoraAndKv = new DecisionTreeFilter(name, new LeastQueueFilter(`${name}/least-queue`), {
    onSuccessOrFailure: new DecisionTreeFilter(
      name,
      new LoraAffinityFilter(`${name}/lora-affinity`, t.loraAffinityThreshold),
      { onSuccessOrFailure: leastKv },
    ),
  });
  const lowLatency = new DecisionTreeFilter(
    name,
    new LowQueueFilter(`${name}/low-queue`, t.queueingThresholdLoRA),
    {
      onSuccess: new DecisionTreeFilter(
        name,
        new LoraAffinityFilter(`${name}/lora-affinity`, t.loraAffinityThreshold),
        { onSuccessOrFailure: queueAndKv },
      ),
      onFailure: queueLoraAndKv,
    },
  );
  return new DecisionTreeFilter(
    name,
    new SheddableCapacityFilter(`${name}/sheddable-capacity`, t.queueThresholdCritical, t.kvCacheThreshold),
    { onSuccess: lowLatency },
  );
}

interface TreeParams {
  current?: Entry | undefined;
  nextOnSuccess?: Entry | undefined;
  nextOnFailure?: Entry | undefined;
  nextOnSuccessOrFailure?: Entry | undefined;
}
interface Entry {
  pluginRef?: string | undefined;
  decisionTree?: TreeParams | undefined;
}

const entry: z.ZodType<Entry> = z.lazy(() =>
  z.strictObject({ pluginRef: z.string().min(1).optional(), decisionTree: tree.optional() }),
);
const tree: z.ZodType<TreeParams> = z.lazy(() =>
  z.strictObject({
    current: entry.optional(),
    nextOnSuccess: entry.optional(),
    nextOnFailure: entry.optional(),
    nextOnSuccessOrFailure: entry.optional(),
  }),
);
const schema = z.strictObject({
  current: entry.optional(),
  nextOnSuccess: entry.optional(),
  nextOnFailure: entry.optional(),
  nextOnSuccessOrFailure: entry.optional(),
  queueingThresholdLoRA: z.number().int().min(0).default(defaultQueueingThresholdLoRA),
  loraAffinityThreshold: z.number().min(0).max(1).default(defaultLoraAffinityThreshold),
  queueThresholdCritical: z.number().int().min(0).default(defaultQueueThresholdCritical),
  kvCacheThreshold: z.number().min(0).max(1).default(defaultKvCacheThreshold),
});

export const createDecisionTreeFilter: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(schema, name, decisionTreeFilterType, parameters);
  if (!p.current) {
    if (p.nextOnSuccess || p.nextOnFailure || p.nextOnSuccessOrFailure) {
      throw pluginError(
        name,
        decisionTreeFilterType,
        "parameters.current: is required when a next filter is given",
      );
    }
    return createLegacyDecisionTree(name, p);
  }
  return loadTree(name, p, deps, "parameters");
};

function loadTree(name: string, t: TreeParams, deps: PluginDeps, path: string): DecisionTreeFilter {
  if (!t.current) throw pluginError(name, decisionTreeFilterType, `${path}.current: is required`);
  const load = (e: Entry | undefined, at: string) => (e ? loadEntry(name, e, deps, at) : undefined);
  return new DecisionTreeFilter(name, loadEntry(name, t.current, deps, `${path}.current`), {
    onSuccess: load(t.nextOnSuccess, `${path}.nextOnSuccess`),
    onFailure: load(t.nextOnFailure, `${path}.nextOnFailure`),
    onSuccessOrFailure: load(t.nextOnSuccessOrFailure, `${path}.nextOnSuccessOrFailure`),
  });
}

function loadEntry(name: string, e: Entry, deps: PluginDeps, path: string): Filter {
  if (e.pluginRef !== undefined && e.decisionTree !== undefined) {
    throw pluginError(
      name,
      decisionTreeFilterType,
      `${path}: give either pluginRef or decisionTree, not both`,
    );
  }
  if (e.decisionTree) return loadTree(name, e.decisionTree, deps, `${path}.decisionTree`);
  if (e.pluginRef === undefined) {
    throw pluginError(name, decisionTreeFilterType, `${path}: needs pluginRef or decisionTree`);
  }
  const ref = deps.plugin(e.pluginRef);
  if (!ref) {
    throw pluginError(
      name,
      decisionTreeFilterType,
      `${path}.pluginRef: "${e.pluginRef}" is not a plugin declared before this one`,
    );
  }
  if (!isFilter(ref))
    throw pluginError(name, decisionTreeFilterType, `${path}.pluginRef: "${e.pluginRef}" is not a filter`);
  return ref;
}
