/**
 * Drives one src/sim engine in real time: a step is planned now, its events are delivered when its
 * (scaled) duration has passed, then the next step is planned. Holds no model logic.
 */
import type { Engine, EngineRequest } from "../../src/sim/index.js";

/** Receives one request's events, at virtual times in ms. */
export interface TokenListener {
  token(atMs: number): void;
  finish(atMs: number): void;
}

/** Retry delay when the engine has work but scheduled nothing (should not happen), wall ms. */
const idleRetryMs = 20;

export class RealtimeEngine {
  readonly engine: Engine;
  readonly #scale: number;
  readonly #t0 = performance.now();
  readonly #listeners = new Map<string, TokenListener>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `timeScale`: wall ms per virtual ms (2 = twice as slow as the model says). */
  constructor(engine: Engine, timeScale = 1) {
    this.engine = engine;
    this.#scale = timeScale;
  }

  /** Virtual now, ms since start. */
  now(): number {
    return (performance.now() - this.#t0) / this.#scale;
  }

  /** Queues a request; throws the engine's RouterError when it refuses it. */
  submit(request: EngineRequest, listener: TokenListener): void {
    this.engine.submit(request, this.now());
    this.#listeners.set(request.id, listener);
    this.#kick();
  }

  /** Drops a request (client went away); its pending events are not delivered. */
  cancel(id: string): void {
    if (this.#listeners.delete(id)) this.engine.cancel(id);
  }

  /** Stops the loop; pending requests get no more events. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #kick(): void {
    if (this.#timer !== undefined || !this.engine.hasWork()) return;
    const now = this.now();
    const r = this.engine.step(now);
    if (r.batchSize === 0) {
      this.#timer = setTimeout(() => this.#after([], [], 0), idleRetryMs);
      return;
    }
    // The result is reused by the next step: keep the ids.
    const emitted = r.emitted.map((q) => q.id);
    const finished = r.finished.map((q) => q.id);
    const delay = Math.max(0, (r.endMs - now) * this.#scale);
    const endMs = r.endMs;
    this.#timer = setTimeout(() => this.#after(emitted, finished, endMs), delay);
  }

  #after(emitted: string[], finished: string[], atMs: number): void {
    this.#timer = undefined;
    for (const id of emitted) this.#listeners.get(id)?.token(atMs);
    for (const id of finished) {
      const l = this.#listeners.get(id);
      this.#listeners.delete(id);
      l?.finish(atMs);
    }
    this.#kick();
  }
}
