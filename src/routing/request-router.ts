/**
 * The request pipeline shared by every front end: body parsed once -> model resolution -> pool ->
 * scheduling request (token estimates, prefix hashes) -> scheduler pick and lease -> body rewrite.
 */
import { RouterError } from "../core/errors.js";
import type { Random } from "../core/random.js";
import type { QueuePlacement } from "../flowcontrol/flow-controller.js";
import type { ApiKind } from "../openai/api-kind.js";
import { type EnginePriorityMode, engineBody } from "../proxy/engine-priority.js";
import { type ParsedBody, parseBody } from "../request/parse-body.js";
import {
  createModelResolver,
  type ModelResolution,
  type ModelResolutionResources,
  type ModelResolver,
} from "../request/resolve-model.js";
import { buildSchedulingRequest } from "../request/scheduling-request.js";
import { parseSloHeaders } from "../request/slo-headers.js";
import type { Explanation } from "../scheduling/explanation.js";
import type { Scheduler } from "../scheduling/scheduler.js";
import type { SchedulingRequest } from "../scheduling/types.js";
import type { PoolStore } from "../state/pool-store.js";
import { pairLeases } from "./paired-lease.js";
import type { RequestRouter, RouteDecision, RouteInput } from "./types.js";

export interface RequestRouterOptions {
  store: PoolStore;
  scheduler: Scheduler;
  /** Objectives, InferenceModels and rewrites (src/api RouterResources satisfies this). */
  resources: ModelResolutionResources;
  random: Random;
  /** Refuse models that no resource names and no endpoint advertises (HTTP router: true). Default false. */
  requireKnownModel?: boolean;
  /** Output tokens assumed when a body sets no limit. */
  defaultMaxTokens?: number;
  /** RouterConfig `spec.proxy.enginePriority`, read per request (src/proxy/engine-priority.ts). Default off. */
  enginePriority?: () => EnginePriorityMode;
}

/** What Explain reports besides the scheduler's own explanation. */
export interface RouteExplanation {
  pool: string;
  resolution: ModelResolution;
  explanation: Explanation;
  /** With flow control on: the band, the flow and the queue position the request would get. */
  flowControl?: QueuePlacement;
}

/** What front doors call: route, explain, list models (the router core satisfies it). */
export interface ExtendedRequestRouter extends RequestRouter {
  /** Same pipeline, no side effects (no lease, no learning). */
  explain(input: RouteInput): RouteExplanation;
  /** Model names the router serves (resources plus models endpoints advertise), sorted. */
  models(): string[];
}

/** A request parsed, resolved and given its pool: what flow control queues before the pick. */
export interface PreparedRoute {
  input: RouteInput;
  parsed: ParsedBody;
  resolution: ModelResolution;
  pool: string;
  request: SchedulingRequest;
}

/** The pipeline over one scheduler, as the router core holds it. */
export interface RequestPipeline extends ExtendedRequestRouter {
  /** Swaps in new resources after a config reload (same scheduler config). */
  update(resources: ModelResolutionResources): void;
  /** route()'s first half: parse, resolve, choose the pool. Throws as route does. */
  prepare(input: RouteInput): PreparedRoute;
  /**
   * route()'s second half: the scheduler's pick and lease, the body rewrite. `flowControlled`: flow
   * control admitted the request, so the scheduler's own shedding is skipped.
   */
  decide(prepared: PreparedRoute, flowControlled?: boolean): RouteDecision;
}

const sniff = new TextDecoder();

/** Without a path (ext_proc on an unknown route), guess the API from the body's top-level fields. */
function guessKind(body: Uint8Array): ApiKind {
  const head = sniff.decode(body.subarray(0, 4096));
  if (head.includes('"messages"')) return "chat";
  if (head.includes('"prompt"')) return "completions";
  return head.includes('"input"') ? "responses" : "completions";
}

export function createRequestRouter(o: RequestRouterOptions): RequestPipeline {
  const { store, scheduler } = o;
  let resources = o.resources;
  // An endpoint that advertises no model list serves whatever it is sent (the engine decides).
  const advertised = (model: string): boolean => {
    for (const pool of store.pools()) {
      for (const e of pool.endpoints) if (e.models.length === 0 || e.models.includes(model)) return true;
    }
    return false;
  };
  const makeResolver = (): ModelResolver =>
    createModelResolver(resources, {
      requireKnownModel: o.requireKnownModel === true,
      isServedModel: advertised,
    });
  let resolver = makeResolver();
  const hashing = scheduler.prefixIndexOptions;

  function choosePool(input: RouteInput, resolution: ModelResolution): string {
    if (input.pool !== undefined) return input.pool;
    if (resolution.poolName !== undefined) return resolution.poolName;
    const pools = store.pools();
    if (pools.length === 1) return pools[0]!.name;
    for (const p of pools) {
      if (p.endpoints.some((e) => e.models.includes(resolution.targetModel))) return p.name;
    }
    throw new RouterError("NotFound", `no pool serves model "${resolution.clientModel}"`, "model");
  }

  function prepare(input: RouteInput): PreparedRoute {
    const parsed = parseBody(input.body, input.kind ?? guessKind(input.body));
    const resolution = resolver.resolve(parsed.model, input.headers, o.random);
    const pool = choosePool(input, resolution);
    const slo = parseSloHeaders(input.headers);
    const request = buildSchedulingRequest({
      requestId: input.requestId,
      parsed,
      resolution,
      ...(input.subset !== undefined ? { subset: input.subset } : {}),
      ...(hashing !== undefined ? { hashing } : {}),
      ...(o.defaultMaxTokens !== undefined ? { defaultMaxTokens: o.defaultMaxTokens } : {}),
    });
    if (slo !== undefined) request.slo = slo;
    return { input, parsed, resolution, pool, request };
  }

  function decide(prepared: PreparedRoute, flowControlled = false): RouteDecision {
    const { input, parsed, resolution, pool, request } = prepared;
    const result = scheduler.schedule(pool, request, flowControlled ? { flowControlled } : undefined);
    const max = input.maxEndpoints;
    // The lease is on endpoints[0], which a cut keeps.
    const endpoints =
      max !== undefined && max >= 1 && max < result.endpoints.length
        ? result.endpoints.slice(0, max)
        : result.endpoints;
    const [first, second] = result.scores ?? [];
    const mode = o.enginePriority?.() ?? "off";
    const { body, changed } = engineBody(
      input.body,
      parsed.json,
      resolution.targetModel,
      mode,
      resolution.priority,
    );
    return {
      requestId: input.requestId,
      pool,
      clientModel: resolution.clientModel,
      targetModel: resolution.targetModel,
      priority: resolution.priority,
      objective: resolution.objective,
      endpoints,
      profile: result.profile,
      ...(first !== undefined && second !== undefined && { scoreMargin: first - second }),
      lease: pairLeases(result.lease, result.prefill?.lease),
      ...(result.prefill !== undefined && { prefill: result.prefill.endpoint }),
      body,
      bodyChanged: changed,
      stream: parsed.stream,
      promptTokens: request.promptTokens,
      maxTokens: request.maxTokens,
    };
  }

  return {
    route: (input) => decide(prepare(input)),
    prepare,
    decide,
    explain(input) {
      const { resolution, pool, request } = prepare(input);
      return { pool, resolution, explanation: scheduler.explain(pool, request) };
    },
    update(next) {
      resources = next;
      resolver = makeResolver();
    },
    models() {
      const names = new Set<string>();
      for (const m of resources.models) names.add(m.modelName);
      for (const r of resources.rewrites)
        for (const rule of r.rules) for (const m of rule.matches) names.add(m);
      for (const pool of store.pools())
        for (const e of pool.endpoints) for (const m of e.models) names.add(m);
      return [...names].sort();
    },
  };
}
