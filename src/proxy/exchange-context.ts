/**
 * What an exchange (exchange.ts) is given: the proxy's shared context (options, transport, leases,
 * passive health, metrics), the client's request head, and where a failure before the response head goes.
 */
import type { RouterError } from "../core/errors.js";
import type { RequestMetrics } from "../metrics/request-metrics.js";
import type { RouteDecision } from "../routing/types.js";
import type { Lease } from "../state/in-flight.js";
import type { Endpoint } from "../state/types.js";
import type { Deadline } from "./deadline.js";
import type { ProxyOptions } from "./proxy-options.js";
import type { StreamOutcome } from "./stream-outcome.js";
import type { HeaderRecord, UpstreamTransport } from "./upstream.js";

/**
 * Takes an in-flight lease on an endpoint of the pool (PoolStore.acquire satisfies it): used on
 * failover only when the pick had no lease to move (its endpoint vanished between pick and send).
 */
export type AcquireLease = (pool: string, address: string, tokens: number) => Lease | undefined;

/**
 * Passive health, kept by the router core for every front door (src/state/outlier-ejection.ts): the
 * proxy reports what each attempt found, skips ejected fallbacks, and asks for one more endpoint
 * when the listed fallbacks run out before `maxAttempts`.
 */
export interface UpstreamHealth {
  /** The connection to the endpoint failed or was reset: eject it. */
  failed(pool: string, address: string): void;
  /** The endpoint answered (a response head, any status). */
  succeeded(pool: string, address: string): void;
  isEjected(endpoint: Endpoint): boolean;
  /** Another endpoint of the pool for `model`, not in `tried` and not ejected; undefined = none. */
  next(pool: string, model: string, tried: readonly string[]): Endpoint | undefined;
}

/** Everything an exchange needs besides the request (shared by all requests of a proxy). */
export interface ExchangeContext {
  /** Read per request (config reloads mutate it). */
  options: ProxyOptions;
  transport: UpstreamTransport;
  acquire: AcquireLease;
  /** Passive health; undefined = every listed endpoint is tried, nothing more. */
  health?: UpstreamHealth | undefined;
  metrics: RequestMetrics | undefined;
  /** Monotonic ms clock for durations. */
  now: () => number;
  /** Told about every finished request (logs). */
  onOutcome: ((decision: RouteDecision, outcome: StreamOutcome & { endpoint?: string }) => void) | undefined;
}

/** The client's side of one request. */
export interface ClientRequestHead {
  /** Path and query, e.g. "/v1/chat/completions". */
  path: string;
  method: string;
  headers: HeaderRecord;
  /**
   * The request's one timer, when the front door already runs one (its body read): the exchange
   * carries it on for the first-byte and idle limits and stops it when the request ends.
   */
  deadline?: Deadline;
}

/**
 * Called instead of any sink call when the request fails before the client got a response head
 * (BadGateway: no endpoint reachable; DeadlineExceeded: first-byte or idle timeout on a buffered
 * answer). The caller renders the error; the lease is already released.
 */
export type OnFail = (error: RouterError) => void;
