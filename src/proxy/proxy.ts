/**
 * The forwarding proxy: one {@link Exchange} per routed request (src/proxy/exchange.ts holds the
 * rules), over the transport a runtime supplies. Front ends hand it a RouteDecision, the client's
 * request head and a sink for the response.
 */
import type { RequestMetrics } from "../metrics/request-metrics.js";
import type { RouteDecision } from "../routing/types.js";
import { Exchange } from "./exchange.js";
import type {
  AcquireLease,
  ClientRequestHead,
  ExchangeContext,
  OnFail,
  UpstreamHealth,
} from "./exchange-context.js";
import { type ProxyOptions, platformFetch, type UpstreamFetch } from "./proxy-options.js";
import type { StreamOutcome } from "./stream-outcome.js";
import type { ClientSink, UpstreamTransport } from "./upstream.js";
import { fetchTransport } from "./web.js";

export type { AcquireLease, ClientRequestHead, UpstreamHealth } from "./exchange-context.js";

/** Construction options of {@link createProxy}. */
export interface CreateProxyOptions {
  /** Read per request: a config reload may mutate it in place. */
  options: ProxyOptions;
  /** Leases on fallback endpoints when the pick had none to move (PoolStore.acquire). */
  acquire: AcquireLease;
  /** Passive health (the router core's outlier ejection); without it no endpoint is ever skipped. */
  health?: UpstreamHealth;
  /** How requests reach endpoints: a callback transport, or a fetch-shaped function. Default: fetch. */
  transport?: UpstreamTransport | { fetch: UpstreamFetch };
  metrics?: RequestMetrics;
  /** Monotonic ms clock for durations. Default performance.now. */
  now?: () => number;
  /** Told about every finished request (logs). */
  onOutcome?: (decision: RouteDecision, outcome: StreamOutcome & { endpoint?: string }) => void;
}

/** A forwarded request in flight. */
export interface Forwarded {
  /** The client went away: stop the upstream, release the lease. */
  cancel(): void;
}

export interface InferenceProxy {
  /**
   * Forwards a routed request. The response goes to `sink`; if it fails before any response head
   * (no endpoint reachable, first-byte timeout, a buffered answer that broke), `onFail` gets the
   * RouterError instead, with the lease already released.
   */
  forward(decision: RouteDecision, client: ClientRequestHead, sink: ClientSink, onFail: OnFail): Forwarded;
}

/**
 * @example
 * const proxy = createProxy({ options: proxyOptionsFromConfig(cfg), acquire: (p, a, t) => store.acquire(p, a, t) });
 * proxy.forward(routing.router.route(input), { path, method, headers }, sink, (err) => render(err));
 */
export function createProxy(c: CreateProxyOptions): InferenceProxy {
  const t = c.transport;
  const context: ExchangeContext = {
    options: c.options,
    transport:
      t === undefined ? fetchTransport(platformFetch) : typeof t === "function" ? t : fetchTransport(t.fetch),
    acquire: c.acquire,
    health: c.health,
    metrics: c.metrics,
    now: c.now ?? (() => performance.now()),
    onOutcome: c.onOutcome,
  };
  return {
    forward: (decision, client, sink, onFail) => new Exchange(context, decision, client, sink, onFail),
  };
}
