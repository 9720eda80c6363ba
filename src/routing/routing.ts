/**
 * Builds the scheduler and request pipeline from a config set, and keeps them current across config
 * reloads: a changed EndpointPickerConfig rebuilds the scheduler (its prefix index starts empty);
 * any other change only swaps the resources the pipeline resolves models from.
 */
import type { RouterResources } from "../api/resources.js";
import type { Random } from "../core/random.js";
import { defaultSchedulerConfig } from "../scheduling/config/default-config.js";
import type { SchedulerMetrics } from "../scheduling/metrics.js";
import { createScheduler, type Scheduler } from "../scheduling/scheduler.js";
import type { PoolStore } from "../state/pool-store.js";
import { createRequestRouter, type ExtendedRequestRouter } from "./request-router.js";
import { schedulerConfigFor } from "./scheduler-config-ref.js";

export interface RoutingOptions {
  store: PoolStore;
  random: Random;
  /** Monotonic ms clock for scheduler durations (performance.now). */
  now?: () => number;
  metrics?: SchedulerMetrics;
  /** Refuse unknown models with NotFound (HTTP router and edge). */
  requireKnownModel?: boolean;
  /**
   * Endpoints the built-in default scheduler config returns per pick (primary + fallbacks), used
   * only when no EndpointPickerConfig is referenced. Default 1 (ext_proc); the HTTP router asks for 3.
   */
  defaultMaxNumOfEndpoints?: number;
}

export interface Routing {
  readonly scheduler: Scheduler;
  readonly router: ExtendedRequestRouter;
  /** Applies a new, already validated config set. Throws (and keeps the old state) if the scheduler config is refused. */
  reload(resources: RouterResources): void;
}

export function createRouting(resources: RouterResources, o: RoutingOptions): Routing {
  const build = (r: RouterResources) => {
    const scheduler = createScheduler({
      store: o.store,
      random: o.random,
      config:
        schedulerConfigFor(r) ??
        (o.defaultMaxNumOfEndpoints !== undefined
          ? defaultSchedulerConfig({ maxNumOfEndpoints: o.defaultMaxNumOfEndpoints })
          : undefined),
      ...(o.now !== undefined ? { now: o.now } : {}),
      ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
    });
    const router = createRequestRouter({
      store: o.store,
      scheduler,
      resources: r,
      random: o.random,
      requireKnownModel: o.requireKnownModel === true,
    });
    return { scheduler, router, key: JSON.stringify(schedulerConfigFor(r) ?? null) };
  };
  let current = build(resources);
  return {
    get scheduler() {
      return current.scheduler;
    },
    get router() {
      return current.router;
    },
    reload(next) {
      const key = JSON.stringify(schedulerConfigFor(next) ?? null);
      if (key === current.key) {
        current.router.update(next);
        return;
      }
      const rebuilt = build(next);
      current.scheduler.dispose();
      current = rebuilt;
    },
  };
}
