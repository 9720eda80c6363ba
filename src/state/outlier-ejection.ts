/**
 * Passive health (Envoy's outlier detection, reduced to what a forwarder sees): an endpoint whose
 * connection failed or was reset is ejected at once, for every later pick, for `baseEjectionMs`,
 * doubled on each further ejection of the same endpoint up to `maxEjectionMs`. An ejection ends
 * when its time is up, or when a push observed after the failure reports the endpoint ready (the
 * producer saw it serve again). A forwarded request that got an answer resets the doubling.
 */
import type { Clock } from "../core/clock.js";

/** RouterConfig `spec.proxy.outlierDetection` (milliseconds). */
export interface OutlierDetectionOptions {
  /** First ejection's length; each further one doubles it. Default 5000. */
  baseEjectionMs: number;
  /** Longest ejection. Default 60000. */
  maxEjectionMs: number;
}

/** What the pick needs of an endpoint to decide whether a push cleared its ejection. */
export interface EjectionSubject {
  readonly pool: string;
  readonly address: string;
  readonly ready: boolean;
  /** Producer's time of the endpoint's last snapshot, ms since epoch. */
  readonly observedAt: number;
}

interface Entry {
  /** Router time of the last failure, ms since epoch. */
  failedAt: number;
  /** Ejected until this router time (ms since epoch); at or before failedAt = not ejected. */
  until: number;
  /** Ejections in a row without an answer in between (the doubling exponent). */
  count: number;
}

/** Told of every new ejection (metrics, logs). */
export type OnEjection = (pool: string, address: string, ejectionMs: number) => void;

/**
 * Ejected endpoints of every pool. Lookups cost one map read while nothing is ejected: the pick
 * asks for every candidate.
 *
 * @example
 * const outliers = new OutlierEjection(clock, { baseEjectionMs: 5000, maxEjectionMs: 60000 });
 * outliers.failed("pool-a", "10.0.0.1:8000"); // ejected for 5 s
 * outliers.isEjected(endpoint); // true until then, or until a newer ready push
 */
export class OutlierEjection {
  readonly options: OutlierDetectionOptions;
  readonly #clock: Clock;
  readonly #onEjection: OnEjection | undefined;
  readonly #pools = new Map<string, Map<string, Entry>>();

  constructor(clock: Clock, options: OutlierDetectionOptions, onEjection?: OnEjection) {
    this.#clock = clock;
    this.options = { ...options };
    this.#onEjection = onEjection;
  }

  /**
   * A connection to the endpoint failed or was reset: ejects it now (again: for twice as long, up
   * to the cap). Returns the ejection's length (ms).
   */
  failed(pool: string, address: string): number {
    const now = this.#clock.now();
    let byAddress = this.#pools.get(pool);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.#pools.set(pool, byAddress);
    }
    this.#forgetOld(byAddress, now);
    let entry = byAddress.get(address);
    if (entry === undefined) {
      entry = { failedAt: now, until: now, count: 0 };
      byAddress.set(address, entry);
    }
    entry.failedAt = now;
    // A failure seen while already ejected (requests that were in flight) does not double it again.
    if (entry.until > now) return entry.until - now;
    entry.count++;
    const { baseEjectionMs, maxEjectionMs } = this.options;
    const ms = Math.min(baseEjectionMs * 2 ** Math.min(entry.count - 1, 30), maxEjectionMs);
    entry.until = now + ms;
    this.#onEjection?.(pool, address, ms);
    return ms;
  }

  /** The endpoint answered (any HTTP status): later ejections start again from the base time. */
  succeeded(pool: string, address: string): void {
    if (this.#pools.size === 0) return;
    const byAddress = this.#pools.get(pool);
    const entry = byAddress?.get(address);
    if (entry !== undefined && entry.until <= this.#clock.now()) byAddress!.delete(address);
  }

  /**
   * Whether picks must skip the endpoint now. A push observed after the failure that reports it ready
   * ends the ejection and its doubling.
   */
  isEjected(e: EjectionSubject): boolean {
    if (this.#pools.size === 0) return false;
    const byAddress = this.#pools.get(e.pool);
    const entry = byAddress?.get(e.address);
    if (entry === undefined || entry.until <= this.#clock.now()) return false;
    if (e.ready && e.observedAt > entry.failedAt) {
      byAddress!.delete(e.address);
      return false;
    }
    return true;
  }

  /** Endpoints ejected right now, per pool (the gauge). */
  ejectedCounts(): Map<string, number> {
    const now = this.#clock.now();
    const out = new Map<string, number>();
    for (const [pool, byAddress] of this.#pools) {
      let n = 0;
      for (const entry of byAddress.values()) if (entry.until > now) n++;
      out.set(pool, n);
    }
    return out;
  }

  /**
   * Drops what is no longer needed: entries whose ejection ended longer than `maxEjectionMs` ago (a
   * failure after that starts from the base time again), so endpoints that went away cost nothing.
   */
  #forgetOld(byAddress: Map<string, Entry>, now: number): void {
    for (const [address, entry] of byAddress) {
      if (now - entry.until > this.options.maxEjectionMs) byAddress.delete(address);
    }
  }
}
