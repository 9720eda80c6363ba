/**
 * Model resolution: from the model a client asked for, and its headers, to the model the engine is
 * sent, the request's priority and its pool. The rules follow the upstream endpoint picker:
 *
 * 1. An InferenceModel whose `modelName` is the client model gives a weighted split over its
 *    `targetModels` (none = keep the name) and a priority from its criticality.
 * 2. InferenceModelRewrite rules then map the name: an exact match beats a catch-all (empty `matches`),
 *    the first rule in file order wins, and its targets are chosen by weighted random. A catch-all only
 *    applies to client models no InferenceModel names (it is the "unknown model" fallback).
 * 3. A non-empty `x-gateway-model-name-rewrite` header overrides the target model.
 * 4. Priority: the InferenceObjective named by `x-gateway-inference-objective` when it exists; else the
 *    InferenceModel's; else 0 (an unknown objective counts as unset). Negative = sheddable.
 *
 * Resources are scoped to `poolName` when it is given; otherwise the pool is the one of the first
 * resource that matched (model, rewrite, then objective).
 */
import { RouterError } from "../core/errors.js";
import type { Random } from "../core/random.js";
import { type HeaderView, MODEL_NAME_REWRITE_HEADER, OBJECTIVE_HEADER } from "./headers.js";
import { pickWeighted } from "./weighted-choice.js";

/** An InferenceObjective as resolution reads it (src/api ObjectiveResource satisfies this). */
export interface ObjectiveLike {
  name: string;
  priority: number;
  poolName: string;
}

/** A legacy InferenceModel as resolution reads it (src/api ModelResource satisfies this). */
export interface ModelLike {
  modelName: string;
  /** Critical > Standard (0) > Sheddable (< 0), already mapped (src/api CRITICALITY_PRIORITY). */
  priority: number;
  poolName: string;
  targetModels: readonly { name: string; weight: number }[];
}

/** One InferenceModelRewrite rule. */
export interface RewriteRuleLike {
  /** Exact client model names; empty = catch-all. */
  matches: readonly string[];
  targets: readonly { model: string; weight: number }[];
}

/** An InferenceModelRewrite as resolution reads it (src/api RewriteResource satisfies this). */
export interface RewriteLike {
  poolName: string;
  rules: readonly RewriteRuleLike[];
}

/** The resources resolution uses (src/api RouterResources satisfies this). */
export interface ModelResolutionResources {
  objectives: readonly ObjectiveLike[];
  models: readonly ModelLike[];
  rewrites: readonly RewriteLike[];
}

/** Options of a resolver. */
export interface ModelResolverOptions {
  /** Only resources of this pool apply, and it is the answer's pool. Default: any pool. */
  poolName?: string;
  /** Refuse client models no resource (nor `isServedModel`) knows, with NotFound. Default false. */
  requireKnownModel?: boolean;
  /** More known models, e.g. those the pool's endpoints advertise. Consulted for client and target. */
  isServedModel?: (model: string) => boolean;
}

/** The outcome of resolution. */
export interface ModelResolution {
  /** The model the client asked for; responses are mapped back to it. */
  clientModel: string;
  /** The model the engine is sent (base model or LoRA adapter). */
  targetModel: string;
  /** Higher is more important; negative = sheddable. */
  priority: number;
  /** The objective that set the priority, when one did. */
  objective?: string;
  /** The pool the request belongs to, when known. */
  poolName?: string;
  /** targetModel !== clientModel: the body must be rewritten. */
  rewritten: boolean;
}

/** A compiled resolver: lookups are map gets, not scans. Rebuild it when resources change. */
export interface ModelResolver {
  resolve(clientModel: string, headers: HeaderView, random: Random): ModelResolution;
}

interface RuleHit {
  rule: RewriteRuleLike;
  poolName: string;
}

interface RuleIndex {
  exact: Map<string, RuleHit>;
  catchAll?: RuleHit;
}

function firstBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (!map.has(key(item))) map.set(key(item), item);
  return map;
}

function indexRules(rewrites: readonly RewriteLike[]): RuleIndex {
  const index: RuleIndex = { exact: new Map() };
  for (const rewrite of rewrites) {
    for (const rule of rewrite.rules) {
      const hit = { rule, poolName: rewrite.poolName };
      if (rule.matches.length === 0) index.catchAll ??= hit;
      for (const name of rule.matches) if (!index.exact.has(name)) index.exact.set(name, hit);
    }
  }
  return index;
}

/**
 * Compiles resources into a resolver.
 *
 * @example
 * const resolver = createModelResolver(resources, { poolName: "vllm-llama3", requireKnownModel: true });
 * const r = resolver.resolve("food-review", new Headers({ "x-gateway-inference-objective": "critical" }), random);
 */
export function createModelResolver(
  resources: ModelResolutionResources,
  options: ModelResolverOptions = {},
): ModelResolver {
  const pool = options.poolName;
  const inPool = <T extends { poolName: string }>(items: readonly T[]): readonly T[] =>
    pool === undefined ? items : items.filter((i) => i.poolName === pool);
  const models = firstBy(inPool(resources.models), (m) => m.modelName);
  const objectives = inPool(resources.objectives);
  const objectivesByName = firstBy(objectives, (o) => o.name);
  const objectivesByPool = firstBy(objectives, (o) => `${o.poolName}\u0000${o.name}`);
  const rules = indexRules(inPool(resources.rewrites));
  const isServed = options.isServedModel;

  return {
    resolve(clientModel, headers, random) {
      let poolName = pool;
      const model = models.get(clientModel);
      poolName ??= model?.poolName;
      let targetModel = clientModel;
      if (model !== undefined) targetModel = pickWeighted(model.targetModels, random)?.name ?? clientModel;

      // A catch-all is the fallback for models nothing else knows, so it never overrides an InferenceModel.
      const hit = rules.exact.get(targetModel) ?? (model === undefined ? rules.catchAll : undefined);
      if (hit !== undefined) {
        targetModel = pickWeighted(hit.rule.targets, random)?.model ?? targetModel;
        poolName ??= hit.poolName;
      }
      const headerTarget = headers.get(MODEL_NAME_REWRITE_HEADER);
      if (headerTarget !== null && headerTarget !== "") targetModel = headerTarget;

      const objectiveName = headers.get(OBJECTIVE_HEADER);
      let objective: ObjectiveLike | undefined;
      if (objectiveName !== null && objectiveName !== "") {
        objective =
          poolName === undefined
            ? objectivesByName.get(objectiveName)
            : objectivesByPool.get(`${poolName}\u0000${objectiveName}`);
        poolName ??= objective?.poolName;
      }

      if (options.requireKnownModel === true) {
        const known =
          model !== undefined ||
          hit !== undefined ||
          isServed?.(clientModel) === true ||
          (targetModel !== clientModel && isServed?.(targetModel) === true);
        if (!known)
          throw new RouterError("NotFound", `model "${clientModel}" is not served by this router`, "model");
      }

      const resolution: ModelResolution = {
        clientModel,
        targetModel,
        priority: objective?.priority ?? model?.priority ?? 0,
        rewritten: targetModel !== clientModel,
      };
      if (objective !== undefined) resolution.objective = objective.name;
      if (poolName !== undefined) resolution.poolName = poolName;
      return resolution;
    },
  };
}

/** One-off resolution (compiles the resources each call; prefer {@link createModelResolver} on hot paths). */
export function resolveModel(
  clientModel: string,
  headers: HeaderView,
  random: Random,
  resources: ModelResolutionResources,
  options: ModelResolverOptions = {},
): ModelResolution {
  return createModelResolver(resources, options).resolve(clientModel, headers, random);
}
