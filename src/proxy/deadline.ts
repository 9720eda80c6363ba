/**
 * One timer per request for every time limit it runs under in turn: the body read (src/http),
 * the first response byte and the gaps between response chunks (src/proxy/exchange.ts). The limits
 * never overlap, so each phase only moves a due time; the one platform timer, armed at the first
 * phase, re-arms itself when it fires early and is cleared once, when the request ends. A JSON answer
 * costs one setTimeout and one clearTimeout instead of three of each (and no closure per request).
 */

/** Told when the current phase's time is up. */
export interface DeadlineOwner {
  deadlineExpired(): void;
}

/** No phase running. */
const NONE = Number.POSITIVE_INFINITY;

function fire(d: Deadline): void {
  d.fired();
}

/**
 * @example
 * const deadline = new Deadline();
 * deadline.start(30_000, request); // request.deadlineExpired() unless stop() or another start() comes first
 * deadline.idle(60_000, exchange); // then: expired after 60 s without touch()
 * deadline.stop();
 */
export class Deadline {
  /** Due time of the current phase (Date.now() ms; a touch moves an idle phase's on); NONE = none. */
  #due = NONE;
  /** The idle phase's allowed silence (ms); 0 = the phase has a fixed due time. */
  #idleMs = 0;
  #owner: DeadlineOwner | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (Date.now() ms). */
  #firesAt = NONE;

  /** A phase that expires `ms` from now (replaces the current one). */
  start(ms: number, owner: DeadlineOwner): void {
    this.#set(Date.now(), ms, 0, owner);
  }

  /** A phase that expires after `ms` without {@link touch} (replaces the current one). */
  idle(ms: number, owner: DeadlineOwner): void {
    this.#set(Date.now(), ms, ms, owner);
  }

  /** Activity in an idle phase. */
  touch(): void {
    if (this.#idleMs > 0) this.#due = Date.now() + this.#idleMs;
  }

  /** Ends the current phase; the timer stays armed for a next phase (a late firing finds nothing due). */
  clear(): void {
    this.#due = NONE;
    this.#idleMs = 0;
    this.#owner = undefined;
  }

  /** Ends the current phase and the timer: the request is over. */
  stop(): void {
    this.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firesAt = NONE;
  }

  /** The platform timer fired (internal). */
  fired(): void {
    this.#timer = undefined;
    this.#firesAt = NONE;
    if (this.#due === NONE) return;
    const now = Date.now();
    if (this.#due > now) {
      this.#arm(now, this.#due - now);
      return;
    }
    const owner = this.#owner;
    this.clear();
    owner?.deadlineExpired();
  }

  #set(now: number, ms: number, idleMs: number, owner: DeadlineOwner): void {
    const due = now + ms;
    this.#due = due;
    this.#idleMs = idleMs;
    this.#owner = owner;
    // An armed timer that fires no later than the new due time serves: it re-arms for the rest.
    if (this.#timer !== undefined) {
      if (this.#firesAt <= due) return;
      clearTimeout(this.#timer);
    }
    this.#arm(now, ms);
  }

  #arm(now: number, ms: number): void {
    this.#firesAt = now + ms;
    this.#timer = setTimeout(fire, ms, this);
  }
}
