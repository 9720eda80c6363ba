/**
 * The standalone HTTP router assembled from the core: its own request pipeline (the built-in
 * scheduler config returns 3 ordered endpoints here, for failover; ext_proc keeps 1), the proxy,
 * and the Hono app. Runtimes serve `app.fetch` (or the inference routes through `inference` and the
 * rest through `app.fetch`) and call `reload` when the config changes.
 */
import type { Hono } from "hono";
import type { RouterResources } from "../api/resources.js";
import type { Random } from "../core/random.js";
import type { RouterMetrics } from "../metrics/router-metrics.js";
import { type CreateProxyOptions, createProxy } from "../proxy/proxy.js";
import { type ProxyOptions, proxyOptionsFromConfig } from "../proxy/proxy-options.js";
import { createRouting, type Routing } from "../routing/routing.js";
import type { PoolStore } from "../state/pool-store.js";
import { createHttpApp } from "./app.js";
import type { InferenceHandlerOptions } from "./inference.js";

/** Ordered endpoints per pick when no scheduler config is referenced: primary + 2 fallbacks. */
export const HTTP_DEFAULT_MAX_NUM_OF_ENDPOINTS = 3;

/** Options of {@link createHttpRouter}. */
export interface HttpRouterOptions {
  resources: RouterResources;
  store: PoolStore;
  random: Random;
  /** Monotonic ms clock (performance.now). */
  now?: () => number;
  metrics?: RouterMetrics;
  /** Upstream transport (a callback transport, or `{ fetch }`); default the platform's fetch. */
  transport?: CreateProxyOptions["transport"];
  /** /readyz; default always ready. */
  ready?: () => boolean;
  /** Told about every forwarded request when it ends (logs). */
  onOutcome?: CreateProxyOptions["onOutcome"];
}

export interface HttpRouter {
  /** Every route, on Web standards. */
  readonly app: Hono;
  /** The inference routes' handler, for runtimes that serve them without Web objects (InferenceRequest). */
  readonly inference: InferenceHandlerOptions;
  readonly routing: Routing;
  /** Current proxy settings (from RouterConfig spec.proxy). */
  readonly proxyOptions: Readonly<ProxyOptions>;
  /** Applies a new, validated config set (throws, keeping the old state, if the scheduler refuses it). */
  reload(resources: RouterResources): void;
}

/**
 * @example
 * const http = createHttpRouter({ resources, store, random: { next: Math.random }, metrics });
 * serve({ fetch: http.app.fetch, port: resources.router.listen.httpPort });
 */
export function createHttpRouter(o: HttpRouterOptions): HttpRouter {
  const routing = createRouting(o.resources, {
    store: o.store,
    random: o.random,
    requireKnownModel: true,
    defaultMaxNumOfEndpoints: HTTP_DEFAULT_MAX_NUM_OF_ENDPOINTS,
    ...(o.now !== undefined ? { now: o.now } : {}),
    ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
  });
  // Mutated in place on reload: the proxy and the app read them per request.
  const proxyOptions = proxyOptionsFromConfig(o.resources.router);
  const limits = { maxBodyBytes: o.resources.router.limits.maxBodyBytes };
  const proxy = createProxy({
    options: proxyOptions,
    acquire: (pool, address, tokens) => o.store.acquire(pool, address, tokens),
    ...(o.transport !== undefined ? { transport: o.transport } : {}),
    ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
    ...(o.now !== undefined ? { now: o.now } : {}),
    ...(o.onOutcome !== undefined ? { onOutcome: o.onOutcome } : {}),
  });
  const metrics = o.metrics;
  const inference: InferenceHandlerOptions = { router: () => routing.router, proxy, limits };
  const app = createHttpApp({
    ...inference,
    ...(metrics !== undefined ? { metricsText: () => metrics.expose() } : {}),
    ...(o.ready !== undefined ? { ready: o.ready } : {}),
  });
  return {
    app,
    inference,
    routing,
    proxyOptions,
    reload(resources) {
      routing.reload(resources);
      Object.assign(proxyOptions, proxyOptionsFromConfig(resources.router));
      limits.maxBodyBytes = resources.router.limits.maxBodyBytes;
    },
  };
}
