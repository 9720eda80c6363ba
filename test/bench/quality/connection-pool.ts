/**
 * The Kubernetes Service baseline as the upstream announcement measured it: kube-proxy picks a
 * random endpoint per TCP connection, and the load generator holds a few keep-alive connections,
 * so the pool sees K sticky bindings, not per-request balancing. The simulated client owns the
 * connections; no scheduler is involved.
 */
import type { Random } from "../../../src/core/random.js";

/** How the client's connection pool is set up. */
export interface ConnectionPoolOptions {
  /** Keep-alive connections the client holds (K), >= 1. */
  connections: number;
  /** Endpoints behind the Service, >= 1. */
  endpoints: number;
  /** Draws each connection's endpoint (kube-proxy's random choice). */
  random: Random;
  /**
   * How long a connection lives before the client reconnects (and kube-proxy draws again), virtual
   * ms. Default: the whole run.
   */
  lifetimeMs?: number;
}

/** The client's connections and the endpoint each is bound to. */
export interface ConnectionPool {
  /** The endpoint index of the next request sent at `nowMs` (requests take the connections in turn). */
  pick(nowMs: number): number;
  /** Endpoint index per connection, as bound now. */
  readonly bindings: readonly number[];
}

/** Creates the pool, binding every connection at random at time 0. Throws naming a bad option. */
export function createConnectionPool(o: ConnectionPoolOptions): ConnectionPool {
  if (!Number.isInteger(o.connections) || o.connections < 1)
    throw new Error(`connections: ${o.connections} is not an integer >= 1`);
  if (!Number.isInteger(o.endpoints) || o.endpoints < 1)
    throw new Error(`endpoints: ${o.endpoints} is not an integer >= 1`);
  const lifetime = o.lifetimeMs ?? Number.POSITIVE_INFINITY;
  if (!(lifetime > 0)) throw new Error(`lifetimeMs: ${o.lifetimeMs} is not > 0`);
  const draw = () => Math.min(o.endpoints - 1, Math.floor(o.random.next() * o.endpoints));
  const bindings = Array.from({ length: o.connections }, draw);
  const opened = new Float64Array(o.connections);
  let next = 0;
  return {
    bindings,
    pick(nowMs) {
      const c = next;
      next = (next + 1) % o.connections;
      if (nowMs - opened[c]! >= lifetime) {
        bindings[c] = draw();
        opened[c] = nowMs;
      }
      return bindings[c]!;
    },
  };
}
