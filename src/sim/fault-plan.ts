/**
 * Faults the simulator injects into a request, drawn up front from injected randomness so that a
 * seeded run misbehaves the same way every time.
 */
import type { Random } from "../core/random.js";

/** Fault rates; every rate is a fraction in [0, 1], 0 = never. */
export interface FaultKnobs {
  /** Requests answered 500 at once. */
  errorRate: number;
  /** Requests delayed by `latencySpikeMs` before they reach the engine. */
  latencySpikeRate: number;
  latencySpikeMs: number;
  /** Requests whose connection is cut after some of their output tokens. */
  crashMidStreamRate: number;
}

/** What happens to one request. */
export interface FaultPlan {
  error: boolean;
  /** Extra wait before the engine sees the request, ms (0 = none). */
  delayMs: number;
  /** Cut the connection after this many output tokens (1..outputTokens-1); undefined = no crash. */
  crashAfterTokens: number | undefined;
}

/** No faults at all. */
export const noFaults: FaultKnobs = {
  errorRate: 0,
  latencySpikeRate: 0,
  latencySpikeMs: 0,
  crashMidStreamRate: 0,
};

/** Draws one request's faults. Draws a fixed number of values, so one request never shifts the next. */
export function planFaults(knobs: FaultKnobs, random: Random, outputTokens: number): FaultPlan {
  const e = random.next();
  const s = random.next();
  const c = random.next();
  const at = random.next();
  return {
    error: e < knobs.errorRate,
    delayMs: s < knobs.latencySpikeRate ? knobs.latencySpikeMs : 0,
    crashAfterTokens:
      c < knobs.crashMidStreamRate && outputTokens > 1 ? 1 + Math.floor(at * (outputTokens - 1)) : undefined,
  };
}
