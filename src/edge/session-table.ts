/**
 * A bounded session -> value table with a time to live: the Durable Object keeps the truth in one
 * (session -> region), each isolate its short cache of it. Entries are kept in write order (a Map keeps
 * insertion order; a write re-inserts), so the oldest write is both the one evicted past `capacity` and
 * the first to expire: eviction and expiry are O(1) per entry removed. Reads do not reorder.
 */

/** One remembered session. */
export interface SessionEntry<V> {
  value: V;
  /** When it was last written (ms since epoch). */
  at: number;
}

/**
 * @example
 * const sessions = new SessionTable<string>(10_000, 600_000);
 * sessions.set("s:abc", "eu-central", Date.now());
 * sessions.get("s:abc", Date.now())?.value; // "eu-central"
 */
export class SessionTable<V> {
  readonly capacity: number;
  readonly ttlMs: number;
  #map = new Map<string, SessionEntry<V>>();

  /**
   * @param capacity most sessions kept; 0 keeps none.
   * @param ttlMs an entry not written for this long is gone (ms).
   */
  constructor(capacity: number, ttlMs: number) {
    this.capacity = capacity;
    this.ttlMs = ttlMs;
  }

  /**
   * The entry, when written less than `ttlMs` before `now`. An expired one stays until {@link expire}
   * or eviction removes it, so whoever mirrors the table in storage learns of every removal.
   */
  get(key: string, now: number): SessionEntry<V> | undefined {
    const entry = this.#map.get(key);
    return entry === undefined || now - entry.at >= this.ttlMs ? undefined : entry;
  }

  /** The entry whatever its age, without dropping it (what was last learned about the key). */
  peek(key: string): SessionEntry<V> | undefined {
    return this.#map.get(key);
  }

  /** Writes an entry; returns the keys evicted to stay within capacity (oldest writes first). */
  set(key: string, value: V, at: number): string[] {
    if (this.capacity <= 0) return [];
    this.#map.delete(key);
    this.#map.set(key, { value, at });
    const evicted: string[] = [];
    while (this.#map.size > this.capacity) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }

  delete(key: string): boolean {
    return this.#map.delete(key);
  }

  /** Drops every entry written `ttlMs` or more before `now`; returns their keys. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [key, entry] of this.#map) {
      // Write order is time order (writes carry a non-decreasing clock), so the first live entry ends it.
      if (now - entry.at < this.ttlMs) break;
      this.#map.delete(key);
      gone.push(key);
    }
    return gone;
  }

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}
