/**
 * Session -> region, remembered per isolate with least-recently-used eviction. The pick is
 * deterministic for the same directory and location, so a session that lands on another isolate
 * usually gets the same region anyway; this table covers the cases where scores moved since.
 */

/**
 * A bounded LRU map (a Map keeps insertion order; a hit re-inserts).
 *
 * @example
 * const sessions = new SessionTable(10_000);
 * sessions.set("s:abc", "eu-central");
 * sessions.get("s:abc"); // "eu-central"
 */
export class SessionTable {
  readonly capacity: number;
  #map = new Map<string, string>();

  /** @param capacity most sessions kept; 0 disables stickiness. */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get(key: string): string | undefined {
    const region = this.#map.get(key);
    if (region !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, region);
    }
    return region;
  }

  set(key: string, region: string): void {
    if (this.capacity <= 0) return;
    this.#map.delete(key);
    this.#map.set(key, region);
    if (this.#map.size > this.capacity) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
  }

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}
