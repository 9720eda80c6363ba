/**
 * The region directory as one isolate sees it: loaded from the Durable Object at most once per
 * `ttlMs`, so the request path does not call the DO per request. Concurrent misses share one load;
 * a failed load keeps serving the previous copy (the pick's own staleness check still applies).
 */
import type { RegionRecord } from "./region-types.js";

/**
 * A TTL cache of one value.
 *
 * @example
 * const cache = new DirectoryCache(() => stub.list(), 1000, Date.now);
 * const regions = await cache.get();
 */
export class DirectoryCache {
  readonly ttlMs: number;
  readonly #load: () => Promise<RegionRecord[]>;
  readonly #now: () => number;
  #value: RegionRecord[] | undefined;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<RegionRecord[]> | undefined;

  /** @param ttlMs reuse window in ms; 0 = load on every get. */
  constructor(load: () => Promise<RegionRecord[]>, ttlMs: number, now: () => number) {
    this.#load = load;
    this.ttlMs = ttlMs;
    this.#now = now;
  }

  /** The directory, from cache when younger than the TTL. */
  get(): Promise<RegionRecord[]> {
    if (this.#value !== undefined && this.#now() - this.#loadedAt < this.ttlMs) {
      return Promise.resolve(this.#value);
    }
    this.#pending ??= this.#refresh();
    return this.#pending;
  }

  /** Drops the cached copy (after a push through this isolate, or in tests). */
  invalidate(): void {
    this.#value = undefined;
    this.#loadedAt = Number.NEGATIVE_INFINITY;
  }

  async #refresh(): Promise<RegionRecord[]> {
    try {
      const value = await this.#load();
      this.#value = value;
      this.#loadedAt = this.#now();
      return value;
    } catch (err) {
      if (this.#value !== undefined) return this.#value;
      throw err;
    } finally {
      this.#pending = undefined;
    }
  }
}
