/**
 * The router core's recent decisions: a bounded ring of the last N picks and refusals at every front
 * door, for the pool page (GET /ui/decisions on the API port). Bounded (RouterConfig
 * `spec.ui.recentDecisions`, default 200) so a busy router keeps a constant amount.
 */

/** One pick or refusal. */
export interface RecentDecision {
  /** When it was made, ms since the epoch. */
  at: number;
  requestId: string;
  /** The model the client asked for ("" when the body named none). */
  model: string;
  /** The pool picked in; undefined when the request was refused before a pool was chosen. */
  pool?: string;
  /** The primary endpoint ("ip:port"); undefined when refused. */
  endpoint?: string;
  /**
   * The primary's weighted score minus the first fallback's: how clear the pick was. Undefined with
   * one candidate or a picker that does not score.
   */
  margin?: number;
  /** "routed", or the RouterError code that refused it (ResourceExhausted = shed). */
  outcome: string;
}

/** The default of RouterConfig `spec.ui.recentDecisions`. */
export const DEFAULT_RECENT_DECISIONS = 200;

/** A fixed-size ring: recording is O(1) and allocates nothing past the entry itself. */
export class RecentDecisions {
  #ring: (RecentDecision | undefined)[];
  #next = 0;

  /** `capacity` 0 keeps nothing (recording is a no-op). */
  constructor(capacity: number = DEFAULT_RECENT_DECISIONS) {
    this.#ring = new Array(capacity);
  }

  get capacity(): number {
    return this.#ring.length;
  }

  /** Changes the bound (config reload), keeping the newest entries that still fit. */
  resize(capacity: number): void {
    if (capacity === this.#ring.length) return;
    const kept = this.list().slice(0, capacity).reverse();
    this.#ring = new Array(capacity);
    this.#next = 0;
    for (const d of kept) this.record(d);
  }

  record(d: RecentDecision): void {
    const n = this.#ring.length;
    if (n === 0) return;
    this.#ring[this.#next] = d;
    this.#next = (this.#next + 1) % n;
  }

  /** Newest first. */
  list(): RecentDecision[] {
    const n = this.#ring.length;
    const out: RecentDecision[] = [];
    for (let i = 1; i <= n; i++) {
      const d = this.#ring[(this.#next - i + n) % n];
      if (d !== undefined) out.push(d);
    }
    return out;
  }
}
