/**
 * The standalone HTTP router over the router core: the proxy and the Hono app. It holds no pipeline
 * of its own: picks come from the core's one scheduler (the same the ext_proc picker and Explain
 * use). Runtimes serve `app.fetch` (or the inference routes through `inference` and the rest through
 * `app.fetch`).
 */
import type { Hono } from "hono";
import { type RouterConfig, TRUSTABLE_HEADERS } from "../api/router-config.js";
import { type CreateProxyOptions, createProxy } from "../proxy/proxy.js";
import { type ProxyOptions, proxyOptionsFromConfig } from "../proxy/proxy-options.js";
import type { RouterCore } from "../routing/router-core.js";
import { createHttpApp } from "./app.js";
import type { InferenceHandlerOptions } from "./inference.js";

/** Options of {@link createHttpRouter}. */
export interface HttpRouterOptions {
  core: RouterCore;
  /** Monotonic ms clock (performance.now). */
  now?: () => number;
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
  /** Current proxy settings (from RouterConfig spec.proxy; follow the core's reloads). */
  readonly proxyOptions: Readonly<ProxyOptions>;
  /** Stops following the core's reloads. */
  close(): void;
}

/**
 * @example
 * const core = createRouterCore(resources, { clock, random });
 * const http = createHttpRouter({ core });
 * serve({ fetch: http.app.fetch, port: resources.router.listen.httpPort });
 */
export function createHttpRouter(o: HttpRouterOptions): HttpRouter {
  const { core } = o;
  // Mutated in place on reload: the proxy reads it per request.
  const proxyOptions = proxyOptionsFromConfig(core.resources.router);
  const proxy = createProxy({
    options: proxyOptions,
    acquire: (pool, address, tokens) => core.acquire(pool, address, tokens),
    // Passive health lives in the core: a failure seen here is skipped by picks at every door.
    health: {
      failed: (pool, address) => core.outliers.failed(pool, address),
      succeeded: (pool, address) => core.outliers.succeeded(pool, address),
      isEjected: (e) => core.outliers.isEjected(e),
      next: (pool, model, tried) => core.fallbackEndpoint(pool, model, tried),
    },
    metrics: core.metrics,
    ...(o.transport !== undefined ? { transport: o.transport } : {}),
    ...(o.now !== undefined ? { now: o.now } : {}),
    ...(o.onOutcome !== undefined ? { onOutcome: o.onOutcome } : {}),
  });
  // Mutated in place on reload, like proxyOptions: the handler reads it per request.
  const untrustedHeaders = { names: untrustedHeaderNames(core.resources.router) };
  const inference: InferenceHandlerOptions = {
    router: () => core,
    proxy,
    limits: core.limits,
    bodyBudget: core.bodyBudget,
    untrustedHeaders,
  };
  const app = createHttpApp({
    ...inference,
    metricsText: () => core.metrics.expose(),
    ...(o.ready !== undefined ? { ready: o.ready } : {}),
  });
  const unsubscribe = core.onReload((r) => {
    Object.assign(proxyOptions, proxyOptionsFromConfig(r.router));
    untrustedHeaders.names = untrustedHeaderNames(r.router);
  });
  return { app, inference, proxyOptions, close: unsubscribe };
}

/**
 * The routing headers the HTTP router hides from the core: every one of TRUSTABLE_HEADERS that
 * RouterConfig `spec.proxy.trustedHeaders` does not list. The ext_proc picker hides none of them, as
 * upstream: there the gateway sets them and must strip them from clients.
 */
export function untrustedHeaderNames(config: Pick<RouterConfig, "proxy">): string[] {
  const trusted = config.proxy.trustedHeaders;
  return TRUSTABLE_HEADERS.filter((h) => !trusted.includes(h));
}
