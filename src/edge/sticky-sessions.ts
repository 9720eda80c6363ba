/**
 * Session stickiness as one isolate sees it: the Durable Object holds the truth (session -> region,
 * src/edge/session-directory.ts) and the isolate keeps a short cache of what it learned, so a session
 * keeps its region across isolates without a Durable Object round trip on every request:
 *
 * - a session read within `SESSION_CACHE_MS` is answered from the isolate's cache;
 * - misses of one turn of the event loop go to the Durable Object as one batched lookup, which the
 *   request path awaits alongside the directory (not after it);
 * - after a success, the isolate caches the serving region at once and tells the Durable Object only
 *   when it does not know yet (a new session, a moved one, or one whose entry is half its TTL old),
 *   batched and off the response path (the write's promise goes to `waitUntil`).
 *
 * The state is soft: a failed lookup routes without stickiness, a failed write is retried by the
 * session's next success.
 */
import {
  MAX_SESSION_BATCH,
  type SessionHit,
  type SessionLookup,
  type SessionLookupOutcome,
  type SessionRecord,
  type SessionRecordOutcome,
} from "./session-directory.js";
import { SessionTable } from "./session-table.js";

/** The Durable Object's session endpoints (in-memory in tests and benchmarks). */
export interface SessionBackend {
  lookupSessions(input: SessionLookup): Promise<SessionLookupOutcome>;
  recordSessions(input: SessionRecord): Promise<SessionRecordOutcome>;
}

export interface StickySessionsOptions {
  backend: SessionBackend;
  /** Most sessions the isolate caches (`SESSION_CAPACITY`); 0 turns stickiness off. */
  capacity: number;
  /** How long a looked-up session is reused before asking the Durable Object again (ms; `SESSION_CACHE_MS`). */
  cacheMs: number;
  /** The Durable Object's TTL (ms; `SESSION_TTL_MS`): a session still in use is re-told after half of it. */
  ttlMs: number;
  now: () => number;
}

/** What the isolate last learned of a session: its region (undefined = none) and when the DO wrote it. */
interface Known {
  region: string | undefined;
  toldAt: number;
}

/** Keys gathered in one turn, and the lookup that answers them all. */
interface LookupBatch {
  keys: Set<string>;
  result: Promise<Map<string, SessionHit>>;
}

/**
 * @example
 * const sticky = new StickySessions({ backend, capacity: 10_000, cacheMs: 1000, ttlMs: 600_000, now: Date.now });
 * const region = await sticky.regionOf("s:abc"); // undefined for a new session
 * const write = sticky.served("s:abc", "eu"); // a promise to hand to waitUntil, or undefined
 */
export class StickySessions {
  readonly #o: StickySessionsOptions;
  readonly #cache: SessionTable<Known>;
  #lookup: LookupBatch | undefined;
  #writes: Map<string, string> | undefined;
  #writing: Promise<void> | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(o: StickySessionsOptions) {
    this.#o = o;
    this.#cache = new SessionTable<Known>(o.capacity, o.cacheMs);
  }

  /** The region that last served the session, or undefined (new, expired, or the DO unreachable). */
  async regionOf(key: string): Promise<string | undefined> {
    if (this.#o.capacity <= 0) return undefined;
    const cached = this.#cache.get(key, this.#o.now());
    if (cached !== undefined) return cached.value.region;
    let batch = this.#lookup;
    if (batch === undefined) {
      const keys = new Set<string>();
      // Runs after the current turn's microtasks: every miss of this turn joins one lookup.
      const result = Promise.resolve().then(() => this.#load(keys));
      batch = this.#lookup = { keys, result };
    }
    batch.keys.add(key);
    return (await batch.result).get(key)?.region;
  }

  /**
   * A request of the session succeeded in `region`. Returns the Durable Object write to hand to
   * waitUntil, or undefined when the DO already knows (same region, told less than half a TTL ago).
   */
  served(key: string, region: string): Promise<void> | undefined {
    if (this.#o.capacity <= 0) return undefined;
    const now = this.#o.now();
    const known = this.#cache.peek(key)?.value;
    if (known?.region === region && now - known.toldAt < this.#o.ttlMs / 2) return undefined;
    this.#cache.set(key, { region, toldAt: now }, now);
    if (this.#writes === undefined) {
      const writes = new Map<string, string>();
      this.#writes = writes;
      const writing = Promise.resolve().then(() => this.#store(writes));
      this.#writing = writing;
      this.#inFlight.add(writing);
      void writing.finally(() => this.#inFlight.delete(writing));
    }
    this.#writes.set(key, region);
    return this.#writing;
  }

  /** Resolves when every write sent so far has been answered (tests; a worker uses waitUntil). */
  async settled(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /** Sessions in the isolate's cache. */
  get size(): number {
    return this.#cache.size;
  }

  async #load(keys: Set<string>): Promise<Map<string, SessionHit>> {
    this.#lookup = undefined;
    const hits = new Map<string, SessionHit>();
    try {
      const outcomes = await Promise.all(
        chunks([...keys]).map((part) => this.#o.backend.lookupSessions({ keys: part })),
      );
      for (const outcome of outcomes) {
        if (!outcome.ok) return hits;
        for (const h of outcome.hits) hits.set(h.key, h);
      }
    } catch {
      return hits; // soft state: route without stickiness, cache nothing
    }
    const now = this.#o.now();
    for (const key of keys) {
      const h = hits.get(key);
      this.#cache.set(key, { region: h?.region, toldAt: h?.at ?? Number.NEGATIVE_INFINITY }, now);
    }
    return hits;
  }

  async #store(writes: Map<string, string>): Promise<void> {
    this.#writes = undefined;
    const entries = [...writes].map(([key, region]) => ({ key, region }));
    let ok = false;
    try {
      const outcomes = await Promise.all(
        chunks(entries).map((part) => this.#o.backend.recordSessions({ entries: part })),
      );
      ok = outcomes.every((o) => o.ok);
    } catch {
      ok = false;
    }
    // Not stored: forget what was cached, so the session's next success tells the DO again.
    if (!ok) for (const { key } of entries) this.#cache.delete(key);
  }
}

/** Splits a batch into calls the Durable Object accepts ({@link MAX_SESSION_BATCH} each). */
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_SESSION_BATCH) out.push(items.slice(i, i + MAX_SESSION_BATCH));
  return out;
}
