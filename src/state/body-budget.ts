/**
 * The one budget of request-body bytes the router buffers at once, shared by every front door (the
 * HTTP router and the ext_proc picker): each request takes its bytes as they arrive and gives them
 * all back when it ends, so many large unfinished uploads cannot grow the heap without bound.
 */

/**
 * Bytes taken and the limit (RouterConfig `spec.limits.maxBufferedBodyBytes`; a reload may change
 * `limit`, which applies to the next `take`).
 *
 * @example
 * const budget = new BodyBudget(512 * 1024 * 1024);
 * const hold = budget.hold();
 * if (!hold.take(chunk.length)) refuse503();
 * hold.release(); // when the request ends, whatever the outcome
 */
export class BodyBudget {
  limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held right now by requests in flight. */
  get used(): number {
    return this.#used;
  }

  /** One request's share: what it took, given back once by `release`. */
  hold(): BodyHold {
    return new BodyHold(this);
  }

  /** @internal BodyHold's side: false (and nothing taken) when `bytes` would pass the limit. */
  tryTake(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  /** @internal */
  give(bytes: number): void {
    this.#used -= bytes;
  }
}

/** The bytes one request holds of a {@link BodyBudget}. */
export class BodyHold {
  readonly #budget: BodyBudget;
  #held = 0;

  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  /** Bytes this request holds. */
  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` more; false when the budget is full (nothing taken: refuse the request). */
  take(bytes: number): boolean {
    if (!this.#budget.tryTake(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  /** Gives back everything held (idempotent). */
  release(): void {
    if (this.#held === 0) return;
    this.#budget.give(this.#held);
    this.#held = 0;
  }
}

/** The 503 message of a full budget: what is held, the limit and the setting. */
export function bodyBudgetFullMessage(budget: BodyBudget, bytes: number): string {
  return `the router already buffers ${budget.used} bytes of request bodies; ${bytes} more would pass the limit ${budget.limit} (RouterConfig spec.limits.maxBufferedBodyBytes): retry later`;
}
