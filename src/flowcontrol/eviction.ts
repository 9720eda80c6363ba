/**
 * In-flight eviction (upstream's `enableEviction`): when the highest waiting band of a pool may not
 * dispatch, flow control takes room back from requests already sent, so a critical request does not
 * wait for batch requests to finish. Which requests may go: `sheddable-eviction-filter` (priority < 0,
 * and below the blocked band); in which order: `priority-then-time-eviction-order-policy` (lowest
 * priority first, then the newest dispatch first: it has done the least work). At most
 * {@link MAX_REVOCATIONS_PER_DECISION} per dispatch decision, upstream's default.
 *
 * The registry only chooses; the front end that holds the request answers it (429 `evicted`) and
 * gives its lease back, which frees the room.
 */
import type { FlowRequest } from "./types.js";

/** Upstream's maximum revocations per decision. */
export const MAX_REVOCATIONS_PER_DECISION = 2;

/** The body of the answer an evicted request gets (upstream's ImmediateResponse body). */
export const EVICTED_MESSAGE = "request evicted by flow control";

/** A request sent to an endpoint that may be evicted. */
export interface InFlightRequest {
  readonly req: FlowRequest;
  /** Clock ms of its dispatch. */
  readonly dispatchedAt: number;
  /** Dispatch order (ties of dispatchedAt). */
  readonly seq: number;
  /** Called once when it is evicted: the front end answers it and releases its lease. */
  readonly evict: () => void;
}

/** `sheddable-eviction-filter`: only sheddable requests, and only for a band above them. */
export function evictable(victim: FlowRequest, blockedPriority: number): boolean {
  return victim.priority < 0 && victim.priority < blockedPriority;
}

/** `priority-then-time-eviction-order-policy`: true when `a` goes before `b`. */
export function evictedBefore(a: InFlightRequest, b: InFlightRequest): boolean {
  if (a.req.priority !== b.req.priority) return a.req.priority < b.req.priority;
  if (a.dispatchedAt !== b.dispatchedAt) return a.dispatchedAt > b.dispatchedAt;
  return a.seq > b.seq;
}

/** The evictable requests in flight, per pool. */
export class InFlightRegistry {
  readonly #pools = new Map<string, Set<InFlightRequest>>();
  #seq = 0;

  /** Requests registered for `pool`. */
  size(pool: string): number {
    return this.#pools.get(pool)?.size ?? 0;
  }

  /** Registers a sheddable request just dispatched; returns the call that unregisters it (finished). */
  add(req: FlowRequest, dispatchedAt: number, evict: () => void): () => void {
    let set = this.#pools.get(req.pool);
    if (set === undefined) {
      set = new Set();
      this.#pools.set(req.pool, set);
    }
    const entry: InFlightRequest = { req, dispatchedAt, seq: this.#seq++, evict };
    set.add(entry);
    const pools = this.#pools;
    return () => {
      set.delete(entry);
      if (set.size === 0 && pools.get(req.pool) === set) pools.delete(req.pool);
    };
  }

  /**
   * Takes up to `max` victims for a band of `blockedPriority` out of the registry, in eviction order
   * (the caller evicts them).
   */
  take(pool: string, blockedPriority: number, max: number): InFlightRequest[] {
    const set = this.#pools.get(pool);
    if (set === undefined || max <= 0) return [];
    const out: InFlightRequest[] = [];
    for (const e of set) {
      if (!evictable(e.req, blockedPriority)) continue;
      // Keep the `max` first in eviction order (max is 2: an insertion into a short list).
      let at = out.length;
      while (at > 0 && evictedBefore(e, out[at - 1]!)) at--;
      if (at < max) {
        out.splice(at, 0, e);
        if (out.length > max) out.pop();
      }
    }
    for (const e of out) set.delete(e);
    if (set.size === 0) this.#pools.delete(pool);
    return out;
  }

  /** Forgets everything (shutdown). */
  clear(): void {
    this.#pools.clear();
  }
}
