/**
 * One timer per stream for the idle gap: touching it records the time instead of re-arming a timer
 * per chunk; when it fires it re-arms for the remaining time, or reports the silence.
 */
export class IdleTimer {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param ms longest allowed silence; @param onIdle called once when it is exceeded. */
  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  /** Starts (or restarts) the clock. */
  start(): void {
    this.#last = Date.now();
    if (this.#timer === undefined) this.#arm(this.#ms);
  }

  /** Records activity. */
  touch(): void {
    this.#last = Date.now();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => {
      const left = this.#last + this.#ms - Date.now();
      if (left > 0) return this.#arm(left);
      this.#timer = undefined;
      this.#onIdle();
    }, ms);
  }
}
