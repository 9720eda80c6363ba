/**
 * A minimal discrete-event driver: feeds timed arrivals to one engine in virtual time and records
 * each request's latencies. For tests and quick experiments; the routing benchmark has its own loop
 * over many engines with the same shape (submit arrivals, step, deliver events at `endMs`).
 */
import type { ManualClock } from "../core/clock.js";
import type { Engine, EngineMetrics, EngineRequest } from "./engine-types.js";

/** A request with its arrival time, ms. */
export type TimedRequest<R extends EngineRequest = EngineRequest> = R & { arrivalMs: number };

/** Latencies of one finished request, ms. */
export interface RequestOutcome {
  id: string;
  arrivalMs: number;
  firstTokenMs: number;
  finishMs: number;
  /** Time to first token: first token − arrival. */
  ttftMs: number;
  /** Time per output token after the first: (e2e − TTFT) / (outputTokens − 1); 0 for one token. */
  tpotMs: number;
  e2eMs: number;
  outputTokens: number;
  preemptions: number;
}

export interface RunSummary {
  /** One per request, in the order of the input. */
  outcomes: RequestOutcome[];
  /** When the last step ended. */
  endMs: number;
  metrics: EngineMetrics;
}

/**
 * Runs `requests` (any order) through `engine` until all have finished. Steps start as soon as the
 * previous one ends; arrivals during a step wait for the next one, as in vLLM.
 *
 * @example
 * const { outcomes } = runToCompletion(createEngine({ preset: "demo" }), [
 *   { id: "a", promptTokens: 100, maxTokens: 50, arrivalMs: 0 },
 * ]);
 */
export function runToCompletion<R extends EngineRequest>(
  engine: Engine<R>,
  requests: readonly TimedRequest<R>[],
  options: { clock?: ManualClock } = {},
): RunSummary {
  const order = [...requests].sort((a, b) => a.arrivalMs - b.arrivalMs);
  const outcomes = new Map<string, RequestOutcome>();
  for (const r of order) {
    outcomes.set(r.id, {
      id: r.id,
      arrivalMs: r.arrivalMs,
      firstTokenMs: Number.NaN,
      finishMs: Number.NaN,
      ttftMs: Number.NaN,
      tpotMs: Number.NaN,
      e2eMs: Number.NaN,
      outputTokens: 0,
      preemptions: 0,
    });
  }
  let t = order[0]?.arrivalMs ?? 0;
  let next = 0;
  while (next < order.length || engine.hasWork()) {
    if (!engine.hasWork() && next < order.length) t = Math.max(t, order[next]!.arrivalMs);
    while (next < order.length && order[next]!.arrivalMs <= t) {
      const r = order[next++]!;
      engine.submit(r, r.arrivalMs);
    }
    options.clock?.set(t);
    const step = engine.step(t);
    if (step.batchSize === 0)
      throw new Error(`sim driver: the engine had work but scheduled nothing at ${t} ms`);
    t = step.endMs;
    for (const r of step.emitted) outcomes.get(r.id)!.outputTokens++;
    for (const r of step.preempted) outcomes.get(r.id)!.preemptions++;
    for (const r of step.firstToken) outcomes.get(r.id)!.firstTokenMs = t;
    for (const r of step.finished) {
      const o = outcomes.get(r.id)!;
      o.finishMs = t;
      o.ttftMs = o.firstTokenMs - o.arrivalMs;
      o.e2eMs = t - o.arrivalMs;
      o.tpotMs = o.outputTokens > 1 ? (o.e2eMs - o.ttftMs) / (o.outputTokens - 1) : 0;
    }
  }
  options.clock?.set(t);
  return { outcomes: requests.map((r) => outcomes.get(r.id)!), endMs: t, metrics: engine.metrics() };
}
