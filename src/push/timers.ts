/**
 * Timers as a push loop sees them: injected, so a test drives the loop with a manual clock instead
 * of waiting, and the same loop runs under Node and in a worker.
 */
import type { ManualClock } from "../core/clock.js";

/** One-shot timers. */
export interface Timers {
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clear`. */
  set(fn: () => void, ms: number): unknown;
  /** Cancels a timer that has not fired; a no-op for one that has. */
  clear(handle: unknown): void;
}

/** The platform's setTimeout/clearTimeout (Node and Workers alike). */
export const systemTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Timers that fire only when a test moves the clock on. */
export interface ManualTimers extends Timers {
  /** Moves the clock on by `ms`, firing every timer that falls due, in order of due time. */
  advance(ms: number): void;
  /** Timers set and not yet fired or cleared. */
  pending(): number;
}

/**
 * Timers on a manual clock: `advance(ms)` moves the clock to each due timer in turn and fires it.
 *
 * @example
 * const clock = createManualClock(0);
 * const timers = createManualTimers(clock);
 * timers.set(() => console.log("fired"), 100);
 * timers.advance(100); // logs "fired"; clock.now() === 100
 */
export function createManualTimers(clock: ManualClock): ManualTimers {
  type Entry = { id: number; due: number; fn: () => void };
  let nextId = 1;
  const entries = new Map<number, Entry>();
  return {
    set(fn, ms) {
      const id = nextId++;
      entries.set(id, { id, due: clock.now() + Math.max(0, ms), fn });
      return id;
    },
    clear(handle) {
      entries.delete(handle as number);
    },
    advance(ms) {
      const target = clock.now() + ms;
      for (;;) {
        let first: Entry | undefined;
        for (const e of entries.values()) {
          if (e.due <= target && (!first || e.due < first.due || (e.due === first.due && e.id < first.id)))
            first = e;
        }
        if (!first) break;
        entries.delete(first.id);
        if (first.due > clock.now()) clock.set(first.due);
        first.fn();
      }
      clock.set(target);
    },
    pending: () => entries.size,
  };
}
