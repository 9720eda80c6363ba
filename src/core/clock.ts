/**
 * Time as the core sees it. The core never reads the wall clock itself: runtimes pass a real clock,
 * the routing-quality benchmark passes a virtual one, so the same code runs in both.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (may be fractional). */
  now(): number;
}

/**
 * A clock that moves only when told to: for tests and discrete-event simulation.
 *
 * @example
 * const clock = createManualClock(0);
 * clock.advance(100); // clock.now() === 100
 */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function createManualClock(startMs = 0): ManualClock {
  let t = startMs;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}
