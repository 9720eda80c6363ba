/**
 * Flow control in the one request pipeline: with `featureGates: [flowControl]` in the EndpointPickerConfig
 * that runs, every door's request is parsed and resolved, then admitted by the FlowController (now, or
 * after waiting), then picked by the scheduler at dispatch time. Gate off: route() as before (the
 * scheduler sheds sheddable requests on a saturated pool). Dispatch is triggered by pushes (store
 * changes) and by finished requests (leases released), never by polling.
 */
import type { RouterResources } from "../api/resources.js";
import { selectSchedulerConfig } from "../api/scheduler-selection.js";
import type { Clock } from "../core/clock.js";
import {
  type DetectorSpec,
  FLOW_CONTROL_GATE,
  type FlowControlConfig,
  flowControlConfigFrom,
  parseFeatureGates,
  saturationDetectorFrom,
  usageLimitFrom,
} from "../flowcontrol/config.js";
import { EVICTED_MESSAGE } from "../flowcontrol/eviction.js";
import {
  FlowController,
  type FlowControlMetrics,
  type QueuePlacement,
} from "../flowcontrol/flow-controller.js";
import { createFlowControlMetrics } from "../flowcontrol/flow-metrics.js";
import { droppedError } from "../flowcontrol/outcomes.js";
import { createPoolSaturation } from "../flowcontrol/pool-saturation.js";
import { fairnessIdOf, sloTtftMsOf } from "../flowcontrol/request-headers.js";
import type { FlowRequest } from "../flowcontrol/types.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import type { Timers } from "../push/timers.js";
import type { SaturationDetectorConfig } from "../scheduling/config/scheduler-config.js";
import { defaultSaturationThresholds } from "../scheduling/saturation/utilization-detector.js";
import type { Lease } from "../state/in-flight.js";
import type { PoolStore } from "../state/pool-store.js";
import type { Endpoint } from "../state/types.js";
import type { PreparedRoute, RequestPipeline } from "./request-router.js";
import type { PendingDecision, RouteDecision, RouteInput } from "./types.js";

/** The flow-control settings of the config that runs; undefined when the gate is off (or no config runs). */
export function flowControlFor(resources: RouterResources): FlowControlConfig | undefined {
  const s = selectSchedulerConfig(resources.router, resources.schedulerConfigs);
  const config = s.ok ? s.choice?.config : undefined;
  if (config === undefined || parseFeatureGates(config.featureGates).get(FLOW_CONTROL_GATE) !== true)
    return undefined;
  const limit = usageLimitFrom(config.flowControl?.usageLimitPolicyPluginRef, config.plugins);
  const detector = saturationDetectorFrom(config.flowControl?.saturationDetector?.pluginRef, config.plugins);
  // The config schema refused a bad reference before; a hand-built set falls back to the default.
  return flowControlConfigFrom(
    config.flowControl,
    "problem" in limit ? undefined : limit,
    "problem" in detector ? undefined : detector,
  );
}

/**
 * Upstream warns when the config that runs has a `flowControl` section but its gate is off: the section
 * is checked, then ignored. The warning's text, or undefined.
 */
export function flowControlIgnored(resources: RouterResources): string | undefined {
  const s = selectSchedulerConfig(resources.router, resources.schedulerConfigs);
  const config = s.ok ? s.choice?.config : undefined;
  if (config?.flowControl === undefined || flowControlFor(resources) !== undefined) return undefined;
  return `EndpointPickerConfig ${config.name}: flowControl is set but featureGates does not list "${FLOW_CONTROL_GATE}": the section is ignored`;
}

function thresholdsFor(resources: RouterResources): SaturationDetectorConfig {
  const s = selectSchedulerConfig(resources.router, resources.schedulerConfigs);
  return (s.ok ? s.choice?.config.saturationDetector : undefined) ?? defaultSaturationThresholds;
}

/** What flow control would do with a request (Explain). */
export type FlowPlacement = QueuePlacement;

export interface FlowAdmission {
  /** The controller while the gate is on. */
  readonly controller: FlowController | undefined;
  /** Applies a (re)loaded config set: starts, reconfigures or stops flow control. */
  apply(resources: RouterResources): void;
  /**
   * The pipeline through flow control: a decision now, or a promise of one when the request waits.
   * Gate off: `pipeline.route(input)`.
   */
  admit(pipeline: RequestPipeline, input: RouteInput, signal?: AbortSignal): RouteDecision | PendingDecision;
  /** Where the request would wait; undefined with the gate off. */
  placement(pipeline: RequestPipeline, input: RouteInput): FlowPlacement | undefined;
  /**
   * A lease taken outside a pick (the HTTP router's failover to one more endpoint): with the gate on,
   * its release lets the next waiting request of its pool go, as a picked lease's does.
   */
  track(lease: Lease): Lease;
  /** Refuses waiting requests (503 `rejected-shutting-down`) and stops listening to the store. */
  dispose(): void;
}

export interface FlowAdmissionOptions {
  store: PoolStore;
  clock: Clock;
  /** TTL timers; default the platform's. */
  timers?: Timers;
  /** Registry for the flow-control metrics (registered the first time the gate is on). */
  registry?: MetricsRegistry;
  isEjected?: (e: Endpoint) => boolean;
}

/** The FlowRequest of a prepared route. */
export function flowRequestOf(p: PreparedRoute): FlowRequest {
  const headers = p.input.headers;
  return {
    pool: p.pool,
    flowId: fairnessIdOf(headers),
    priority: p.resolution.priority,
    bytes: p.input.body.length,
    inputTokens: p.request.promptTokens,
    outputTokens: p.request.maxTokens,
    sloTtftMs: sloTtftMsOf(headers),
    model: p.resolution.clientModel,
    targetModel: p.resolution.targetModel,
  };
}

export function createFlowAdmission(o: FlowAdmissionOptions): FlowAdmission {
  let controller: FlowController | undefined;
  let thresholds = defaultSaturationThresholds;
  let detector: DetectorSpec = { type: "utilization-detector" };
  const pools = createPoolSaturation(
    o.store,
    () => thresholds,
    o.isEjected,
    () => detector,
  );
  let metrics: FlowControlMetrics | undefined;
  const unsubscribe = o.store.subscribe((change) => controller?.notify(change.pool));

  /**
   * A lease whose release lets the next waiting request of its pool go. `holder` follows the request's
   * current lease (a failover moves it) and `finished` tells flow control it left (no longer evictable).
   */
  const notifying = (lease: Lease, holder?: { lease: Lease | undefined; finished(): void }): Lease => {
    const dispatchedAt = o.clock.now();
    let released = false;
    const wrapped: Lease = {
      pool: lease.pool,
      address: lease.address,
      tokens: lease.tokens,
      release() {
        lease.release();
        if (released) return;
        released = true;
        holder?.finished();
        pools.released(lease.pool, lease.address, dispatchedAt, lease.tokens);
        controller?.notify(lease.pool);
      },
      moveTo(address) {
        const moved = lease.moveTo(address);
        if (moved === lease) return wrapped;
        controller?.notify(lease.pool);
        const next = moved && notifying(moved, holder);
        if (holder !== undefined) {
          holder.lease = next;
          if (next === undefined) holder.finished();
        }
        return next;
      },
    };
    if (holder !== undefined) holder.lease = wrapped;
    return wrapped;
  };

  /**
   * The decision's lease, wrapped; with eviction on and a sheddable request, flow control may evict
   * it in flight: `decision.evicted` aborts (the front end answers 429 `evicted`) and the lease goes back.
   */
  const leased = (fc: FlowController, req: FlowRequest, d: RouteDecision, lease: Lease): Lease => {
    if (!fc.config.enableEviction || req.priority >= 0) return notifying(lease);
    const evicted = new AbortController();
    const holder = { lease: undefined as Lease | undefined, finished: () => {} };
    holder.finished = fc.dispatched(req, () => {
      evicted.abort(droppedError("evicted", EVICTED_MESSAGE));
      // A front end that did not answer (or did not listen) still gives the room back.
      holder.lease?.release();
    });
    d.evicted = evicted.signal;
    return notifying(lease, holder);
  };

  return {
    get controller() {
      return controller;
    },
    apply(resources) {
      thresholds = thresholdsFor(resources);
      const config = flowControlFor(resources);
      if (config === undefined) {
        // Gate turned off: what waits goes now, through the legacy admission.
        const old = controller;
        controller = undefined;
        old?.releaseAll();
        return;
      }
      detector = config.detector;
      if (controller !== undefined) {
        controller.configure(config);
        return;
      }
      if (metrics === undefined && o.registry !== undefined) {
        const registry = o.registry;
        metrics = createFlowControlMetrics(registry, function* () {
          if (controller === undefined) return;
          for (const pool of o.store.pools()) yield [pool.name, pools.saturation(pool.name)] as const;
        });
      }
      controller = new FlowController({
        clock: o.clock,
        ...(o.timers !== undefined && { timers: o.timers }),
        config,
        saturation: (pool) => pools.saturation(pool),
        hasEndpoints: (pool) => pools.hasEndpoints(pool),
        ...(metrics !== undefined && { metrics }),
      });
    },
    admit(pipeline, input, signal) {
      const fc = controller;
      if (fc === undefined) return pipeline.route(input);
      const prepared = pipeline.prepare(input);
      const req = flowRequestOf(prepared);
      const dispatch = (): RouteDecision => {
        // Off by a reload while it waited: the legacy admission applies.
        const now = controller;
        const d = pipeline.decide(prepared, now !== undefined);
        if (d.lease !== undefined)
          d.lease = now === undefined ? notifying(d.lease) : leased(now, req, d, d.lease);
        return d;
      };
      const out = fc.submit(req, dispatch, signal);
      // The request waits past this call: keep its own copy of the body (a transport's read buffer
      // may be reused under a view).
      if (out instanceof Promise) prepared.input = { ...input, body: input.body.slice() };
      return out;
    },
    placement(pipeline, input) {
      return controller?.placement(flowRequestOf(pipeline.prepare(input)));
    },
    track(lease) {
      return controller === undefined ? lease : notifying(lease);
    },
    dispose() {
      unsubscribe();
      controller?.shutdown();
    },
  };
}
