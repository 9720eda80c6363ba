/** How long a push loop waits before retrying a push the receiver did not take. */
import type { Random } from "../core/random.js";

/** Exponential backoff with jitter. */
export interface BackoffOptions {
  /** Delay after the first failure, ms. Default 200. */
  initialMs: number;
  /** Upper bound of any delay, ms. Default 10,000. */
  maxMs: number;
  /** Growth per consecutive failure. Default 2. */
  factor: number;
  /** Fraction of the delay that is randomised, 0..1. Default 0.5 ("equal jitter"). */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (1 = after the first failure): initial x factor^(attempt-1),
 * capped at maxMs, of which the last `jitter` share is random so that many agents restarted by the
 * same router outage do not retry in lockstep. Never below (1 - jitter) x the capped delay.
 *
 * @example
 * backoffDelay(1, rng); // 100..200 ms with the defaults
 * backoffDelay(10, rng); // 5000..10000 ms (capped)
 */
export function backoffDelay(
  attempt: number,
  random: Random,
  options: BackoffOptions = defaultBackoff,
): number {
  const exponent = Math.max(0, attempt - 1);
  const capped = Math.min(options.maxMs, options.initialMs * options.factor ** exponent);
  const fixed = capped * (1 - options.jitter);
  return Math.round(fixed + random.next() * (capped - fixed));
}

/**
 * Backoff for a producer with its own push period: the first retry after two periods (a failure is
 * seldom cured sooner), doubling up to `maxMs`, and never capped below one period.
 *
 * @example
 * backoffForInterval(1000, 10_000); // { initialMs: 2000, maxMs: 10000, factor: 2, jitter: 0.5 }
 */
export function backoffForInterval(intervalMs: number, maxMs: number): BackoffOptions {
  const cap = Math.max(intervalMs, maxMs);
  return { initialMs: Math.min(cap, intervalMs * 2), maxMs: cap, factor: 2, jitter: 0.5 };
}
