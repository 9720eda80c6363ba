/**
 * The router core: one per process. It owns the pool store, ONE scheduler (so one prefix index), the
 * request pipeline, the metrics and config reload; every front door (the ext_proc picker, the HTTP
 * router, Explain, the regional edge push) calls it, so a prefix learned from a request through one
 * door is seen by a pick through any other, and every door admits, sheds and refuses the same way.
 */
import type { RouterResources } from "../api/resources.js";
import type { Clock } from "../core/clock.js";
import { RouterError } from "../core/errors.js";
import type { Random } from "../core/random.js";
import { RouterMetrics } from "../metrics/router-metrics.js";
import type { Timers } from "../push/timers.js";
import { nextFallback, subsetEntryIp } from "../scheduling/candidates.js";
import { builtinMaxNumOfEndpoints, defaultSchedulerConfig } from "../scheduling/config/default-config.js";
import { createScheduler, type Scheduler, type StaleEndpointChange } from "../scheduling/scheduler.js";
import { BodyBudget } from "../state/body-budget.js";
import type { Lease } from "../state/in-flight.js";
import { OutlierEjection } from "../state/outlier-ejection.js";
import { PoolStore } from "../state/pool-store.js";
import type { SnapshotLimits } from "../state/snapshot.js";
import type { Endpoint } from "../state/types.js";
import { createFlowAdmission, type FlowAdmission } from "./flow-admission.js";
import { RecentDecisions } from "./recent-decisions.js";
import {
  createRequestRouter,
  type ExtendedRequestRouter,
  type RequestPipeline,
  type RouteExplanation,
} from "./request-router.js";
import { describeScheduler, schedulerConfigFor } from "./scheduler-config-ref.js";
import type { PendingDecision, RouteDecision, RouteInput } from "./types.js";

/**
 * RouterConfig settings read once, at start (whole sections, or one key of a section): listeners,
 * tokens, the store's freshness, the ext_proc server, the edge push and the RPC message limit. Every
 * other setting (pools, objectives, rewrites, the scheduler, proxy, `maxBodyBytes`,
 * `maxEndpointsPerSnapshot`) applies on reload.
 */
export const START_ONLY_SETTINGS = [
  "listen",
  "auth",
  "state",
  "extproc",
  "edge",
  "tracing",
  "limits.maxMessageBytes",
] as const;

/** What a reload did not apply. */
export interface ReloadResult {
  /** Changed start-only settings, as `RouterConfig spec.<path>`; they take effect at the next start. */
  startOnly: string[];
}

function setting(config: RouterResources["router"], path: string): unknown {
  let at: unknown = config;
  for (const key of path.split(".")) at = (at as Record<string, unknown> | undefined)?.[key];
  return at;
}

export interface RouterCoreOptions {
  /** Wall clock (ms since epoch) for snapshot freshness and ext_proc session ages. */
  clock: Clock;
  random: Random;
  /** Monotonic ms clock for durations (performance.now); without it no durations are observed. */
  now?: () => number;
  /** Default: a new RouterMetrics. */
  metrics?: RouterMetrics;
  /** Timers for flow control's queue TTLs; default the platform's setTimeout. */
  timers?: Timers;
  /**
   * Told when a pool's picks start or stop being made among stale endpoints (RouterConfig
   * `spec.state.staleEndpoints: saturated`, every producer quiet): once per change, for the log.
   */
  onStaleEndpoints?: (change: StaleEndpointChange) => void;
}

/** The limits front doors read per request; the object is updated in place on reload. */
export interface CoreLimits extends SnapshotLimits {
  /** Largest request body, bytes (RouterConfig spec.limits.maxBodyBytes). */
  maxBodyBytes: number;
  /** Time a client has to send its whole body, ms (RouterConfig spec.limits.bodyReadTimeoutMs). */
  bodyReadTimeoutMs: number;
}

export interface RouterCore extends ExtendedRequestRouter {
  readonly store: PoolStore;
  readonly metrics: RouterMetrics;
  /** The one scheduler (replaced when a reload changes the EndpointPickerConfig). */
  readonly scheduler: Scheduler;
  /** The config set in force. */
  readonly resources: RouterResources;
  /** Live limits (read per request; reloads update this object). */
  readonly limits: Readonly<CoreLimits>;
  /** Passive health: endpoints every pick skips after a failed connection (fed by the forwarding proxy). */
  readonly outliers: OutlierEjection;
  /** Request-body bytes buffered across every front door (RouterConfig spec.limits.maxBufferedBodyBytes). */
  readonly bodyBudget: BodyBudget;
  /** The last picks and refusals of route() at every door (RouterConfig spec.ui.recentDecisions). */
  readonly recentDecisions: RecentDecisions;
  /**
   * One more endpoint for a forwarded request whose listed fallbacks are used up while attempts
   * remain: ready, serving `model`, not ejected, not in `tried`; undefined when none is left.
   */
  fallbackEndpoint(pool: string, model: string, tried: readonly string[]): Endpoint | undefined;
  /** The request pipeline: resolve, admit, pick, lease. Throws RouterError (see RequestRouter.route). */
  route(input: RouteInput): RouteDecision;
  /**
   * route() through flow control (EndpointPickerConfig `featureGates: [flowControl]`): the decision now,
   * or a promise of it while the request waits for room; aborting `signal` (the client went away)
   * takes it out of the queue at once. Gate off: route(). Every front door calls this one.
   */
  admit(input: RouteInput, signal?: AbortSignal): RouteDecision | PendingDecision;
  /** Flow control (src/flowcontrol/): its controller while the gate is on. */
  readonly flowControl: FlowAdmission;
  /**
   * An in-flight lease on one endpoint outside a pick (a forwarder's failover), counted as a picked one
   * is, and, with flow control on, released into the queue's dispatch as a picked one is.
   */
  acquire(pool: string, address: string, tokens: number): Lease | undefined;
  /** The same pipeline as a dry run, with per-plugin scores. */
  explain(input: RouteInput): RouteExplanation;
  /** Model names served (resources plus what endpoints advertise), sorted. */
  models(): string[];
  /**
   * An endpoint for a request that has no body to route on (GET /v1/models through Envoy): a ready
   * endpoint of `pool` (every pool when undefined) inside the subset hint, fresh ones first; no lease.
   */
  anyEndpoint(pool: string | undefined, subset: readonly string[] | undefined): string | undefined;
  /**
   * Applies a new, validated config set. Throws, keeping the old state whole, when the scheduler
   * refuses its config. Listeners registered with {@link onReload} run after a successful reload.
   * Returns the changed settings that apply only at the next start (see {@link START_ONLY_SETTINGS}).
   */
  reload(resources: RouterResources): ReloadResult;
  /** Called after each successful reload; returns an unsubscribe function. */
  onReload(listener: (resources: RouterResources) => void): () => void;
  /** Stops the scheduler's store subscription; flow control refuses what waits (503, shutting down). */
  dispose(): void;
}

/**
 * @example
 * const core = createRouterCore(resources, { clock: { now: Date.now }, random: { next: Math.random } });
 * const decision = core.route({ requestId, headers, body, kind: "chat" });
 */
export function createRouterCore(resources: RouterResources, o: RouterCoreOptions): RouterCore {
  const state = resources.router.state;
  const store = new PoolStore({
    clock: o.clock,
    staleAfterMs: state.stalenessMs,
    expireAfterMs: state.expiryMs,
    maxSourcesPerPool: resources.router.limits.maxSourcesPerPool,
  });
  const metrics = o.metrics ?? new RouterMetrics();
  metrics.watchPools(store);
  const limits: CoreLimits = {
    maxEndpoints: 0,
    maxBodyBytes: 0,
    bodyReadTimeoutMs: 0,
    maxClockSkewMs: state.maxClockSkewMs,
  };
  const outliers = new OutlierEjection(o.clock, resources.router.proxy.outlierDetection, (pool) =>
    metrics.countOutlierEjection(pool),
  );
  const isEjected = (e: Endpoint) => outliers.isEjected(e);
  const isStale = (e: Endpoint) => store.isStale(e);
  const bodyBudget = new BodyBudget(resources.router.limits.maxBufferedBodyBytes);
  metrics.watchPassiveHealth({
    ejectedCounts: () => outliers.ejectedCounts(),
    get bufferedBodyBytes() {
      return bodyBudget.used;
    },
  });
  const listeners = new Set<(r: RouterResources) => void>();
  const flowControl = createFlowAdmission({
    store,
    clock: o.clock,
    registry: metrics.registry,
    isEjected,
    ...(o.timers !== undefined && { timers: o.timers }),
  });
  const recentDecisions = new RecentDecisions(resources.router.ui.recentDecisions);

  // `state` is read at start (START_ONLY_SETTINGS), so a rebuilt scheduler keeps the first policy.
  const staleEndpoints = state.staleEndpoints;
  const buildScheduler = (r: RouterResources): Scheduler => {
    try {
      return createSchedulerFor(r);
    } catch (err) {
      // Name the file the refused EndpointPickerConfig came from (the plugin names the field and value).
      const at = describeScheduler(r);
      if (!(err instanceof RouterError) || at.source === "built-in") throw err;
      throw new RouterError(
        err.code,
        `EndpointPickerConfig ${at.config} (${at.source}): ${err.message}`,
        err.field,
      );
    }
  };
  const createSchedulerFor = (r: RouterResources): Scheduler =>
    createScheduler({
      store,
      random: o.random,
      staleEndpoints,
      isEjected,
      ...(o.onStaleEndpoints !== undefined ? { onStaleEndpoints: o.onStaleEndpoints } : {}),
      config:
        schedulerConfigFor(r) ?? defaultSchedulerConfig({ maxNumOfEndpoints: builtinMaxNumOfEndpoints }),
      ...(o.now !== undefined ? { now: o.now } : {}),
      metrics,
    });
  const buildRouter = (scheduler: Scheduler, r: RouterResources): RequestPipeline =>
    createRequestRouter({
      store,
      scheduler,
      resources: r,
      random: o.random,
      requireKnownModel: true,
      // Read per request: a reload that changes it applies at once.
      enginePriority: () => current.router.proxy.enginePriority,
    });
  const schedulerKey = (r: RouterResources) => JSON.stringify(schedulerConfigFor(r) ?? null);
  const applySettings = (r: RouterResources) => {
    store.configurePools(r.pools.map((p) => ({ name: p.name, targetPorts: p.targetPorts })));
    limits.maxEndpoints = r.router.limits.maxEndpointsPerSnapshot;
    store.maxSourcesPerPool = r.router.limits.maxSourcesPerPool;
    limits.maxBodyBytes = r.router.limits.maxBodyBytes;
    limits.bodyReadTimeoutMs = r.router.limits.bodyReadTimeoutMs;
    bodyBudget.limit = r.router.limits.maxBufferedBodyBytes;
    Object.assign(outliers.options, r.router.proxy.outlierDetection);
    recentDecisions.resize(r.router.ui.recentDecisions);
  };
  const routed = (d: RouteDecision): RouteDecision => {
    recentDecisions.record({
      at: o.clock.now(),
      requestId: d.requestId,
      model: d.clientModel,
      pool: d.pool,
      outcome: "routed",
      ...(d.endpoints[0] !== undefined && { endpoint: d.endpoints[0].address }),
      ...(d.scoreMargin !== undefined && { margin: d.scoreMargin }),
    });
    return d;
  };
  const refused = (input: RouteInput, err: unknown): never => {
    recentDecisions.record({
      at: o.clock.now(),
      requestId: input.requestId,
      model: "",
      outcome: err instanceof RouterError ? err.code : "Internal",
      ...(input.pool !== undefined && { pool: input.pool }),
    });
    throw err;
  };
  // Every door's route() passes here, so the ring sees picks and refusals alike.
  const route = (input: RouteInput): RouteDecision => {
    if (recentDecisions.capacity === 0) return router.route(input);
    try {
      return routed(router.route(input));
    } catch (err) {
      return refused(input, err);
    }
  };
  const admit = (input: RouteInput, signal?: AbortSignal): RouteDecision | PendingDecision => {
    if (flowControl.controller === undefined) return route(input);
    if (recentDecisions.capacity === 0) return flowControl.admit(router, input, signal);
    try {
      const out = flowControl.admit(router, input, signal);
      if (!(out instanceof Promise)) return routed(out);
      return Object.assign(
        out.then(routed, (err: unknown) => refused(input, err)),
        { cancel: out.cancel },
      );
    } catch (err) {
      return refused(input, err);
    }
  };

  let scheduler = buildScheduler(resources);
  let router = buildRouter(scheduler, resources);
  let key = schedulerKey(resources);
  let current = resources;
  flowControl.apply(resources);
  // Start-only settings are compared with what the process started with, not the last reload.
  const started = resources.router;
  applySettings(resources);

  return {
    store,
    metrics,
    limits,
    outliers,
    bodyBudget,
    recentDecisions,
    fallbackEndpoint(pool, model, tried) {
      const endpoints = store.endpoints(pool);
      return endpoints && nextFallback(endpoints, model, tried, isStale, isEjected);
    },
    get scheduler() {
      return scheduler;
    },
    get resources() {
      return current;
    },
    route,
    admit,
    flowControl,
    acquire(pool, address, tokens) {
      const lease = store.acquire(pool, address, tokens);
      return lease === undefined ? undefined : flowControl.track(lease);
    },
    explain(input) {
      const e = router.explain(input);
      const placement = flowControl.placement(router, input);
      return placement === undefined ? e : { ...e, flowControl: placement };
    },
    models: () => router.models(),
    anyEndpoint(pool, subset) {
      const ips = subset && new Set(subset.map(subsetEntryIp));
      const usable = [];
      for (const p of store.pools()) {
        if (pool !== undefined && p.name !== pool) continue;
        for (const e of p.endpoints) if (e.ready && (!ips || ips.has(e.ip))) usable.push(e);
      }
      // Fresh and not ejected first; then fresh; then anything ready (a last try beats no answer).
      const fresh = usable.filter((e) => !store.isStale(e));
      const healthy = fresh.filter((e) => !outliers.isEjected(e));
      const from = healthy.length > 0 ? healthy : fresh.length > 0 ? fresh : usable;
      return from[Math.floor(o.random.next() * from.length)]?.address;
    },
    reload(next) {
      const nextKey = schedulerKey(next);
      if (nextKey === key) {
        router.update(next);
      } else {
        // Built before anything is replaced: a refused config leaves the running scheduler as it was.
        const rebuilt = buildScheduler(next);
        scheduler.dispose();
        scheduler = rebuilt;
        router = buildRouter(rebuilt, next);
        key = nextKey;
      }
      current = next;
      applySettings(next);
      flowControl.apply(next);
      for (const l of listeners) l(next);
      const startOnly = START_ONLY_SETTINGS.filter(
        (k) => JSON.stringify(setting(next.router, k)) !== JSON.stringify(setting(started, k)),
      );
      return { startOnly: startOnly.map((k) => `RouterConfig spec.${k}`) };
    },
    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      scheduler.dispose();
      flowControl.dispose();
    },
  };
}
