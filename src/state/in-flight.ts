/**
 * The router's own accounting of what it sent to an endpoint. A lease is taken at pick time and
 * released exactly once (success, error, abort or timeout); releasing twice is harmless.
 */
import type { InFlightCounts, ServiceFigures } from "./types.js";

/**
 * Weight of the newest completion in the ledger's service averages (an exponential moving average
 * per completion): about the last 10 completions count.
 */
export const SERVICE_SMOOTHING = 0.1;
/**
 * The low envelope of the per-request time per token (ServiceFigures.floorMsPerToken) moves this
 * share of the way toward a faster request, and FLOOR_UP toward a slower one: it settles near a low
 * quantile, the endpoint's speed when lightly loaded, and rises only when every request is slower.
 */
export const FLOOR_DOWN = 0.25;
export const FLOOR_UP = 0.025;

interface Entry {
  dispatchedAt: number;
  tokens: number;
}

/** Handle on one outstanding request. */
export interface Lease {
  readonly pool: string;
  readonly address: string;
  readonly tokens: number;
  /** Gives the counts back. Idempotent. */
  release(): void;
  /**
   * The request is now served by `address` (a failover, or Envoy served a fallback): takes a lease
   * there first, then releases this one, so the request is never counted nowhere. Returns the new
   * lease; undefined when the pool does not know `address` (this lease is released all the same) or
   * this lease was already released (nothing is taken). The same address returns this lease.
   */
  moveTo(address: string): Lease | undefined;
}

/** Per-endpoint ledger of outstanding requests. */
export class InFlightLedger {
  readonly total: InFlightCounts = { requests: 0, tokens: 0 };
  readonly sincePush: InFlightCounts = { requests: 0, tokens: 0 };
  /** The router's own completed requests: how long they took, per token of work (see ServiceFigures). */
  readonly service: ServiceFigures = { completions: 0, ms: 0, tokens: 0, floorMsPerToken: 0, lastAt: 0 };
  #entries = new Map<number, Entry>();
  #observedAt = Number.NEGATIVE_INFINITY;

  add(id: number, dispatchedAt: number, tokens: number): void {
    this.#entries.set(id, { dispatchedAt, tokens });
    this.total.requests++;
    this.total.tokens += tokens;
    if (dispatchedAt > this.#observedAt) {
      this.sincePush.requests++;
      this.sincePush.tokens += tokens;
    }
  }

  /** The request ended; with `now`, its time from dispatch to end enters the service averages. */
  remove(id: number, now?: number): void {
    const e = this.#entries.get(id);
    if (!e) return;
    this.#entries.delete(id);
    if (now !== undefined && e.tokens > 0) {
      const s = this.service;
      const ms = Math.max(0, now - e.dispatchedAt);
      const perToken = ms / e.tokens;
      if (s.completions === 0) {
        s.ms = ms;
        s.tokens = e.tokens;
        s.floorMsPerToken = perToken;
      } else {
        s.ms += SERVICE_SMOOTHING * (ms - s.ms);
        s.tokens += SERVICE_SMOOTHING * (e.tokens - s.tokens);
        const d = perToken - s.floorMsPerToken;
        s.floorMsPerToken += (d < 0 ? FLOOR_DOWN : FLOOR_UP) * d;
      }
      s.completions++;
      s.lastAt = now;
    }
    this.total.requests--;
    this.total.tokens -= e.tokens;
    if (e.dispatchedAt > this.#observedAt) {
      this.sincePush.requests--;
      this.sincePush.tokens -= e.tokens;
    }
  }

  /**
   * A snapshot observed at `observedAt` already shows every request that reached the engine before
   * then; only later ones are still invisible to it.
   */
  rebase(observedAt: number): void {
    this.#observedAt = observedAt;
    let requests = 0;
    let tokens = 0;
    for (const e of this.#entries.values()) {
      if (e.dispatchedAt > observedAt) {
        requests++;
        tokens += e.tokens;
      }
    }
    this.sincePush.requests = requests;
    this.sincePush.tokens = tokens;
  }

  clear(): void {
    this.#entries.clear();
    this.total.requests = this.total.tokens = 0;
    this.sincePush.requests = this.sincePush.tokens = 0;
  }
}
