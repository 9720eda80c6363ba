/**
 * LoRA slots as vLLM's scheduler sees them: at most `maxLoras` distinct adapters among the running
 * sequences; a request for another adapter waits until a slot frees. Adapters stay loaded in their
 * GPU slot after their last request (LRU); bringing in a new one costs `loadMs`. Counts feed the
 * `vllm:lora_requests_info` style metric (running and waiting adapters).
 */

/** Counts per adapter of running and waiting requests; requests without an adapter are not counted. */
export class LoraSlots {
  readonly maxLoras: number;
  readonly loadMs: number;
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, number>();
  /** Adapters resident in GPU slots, least recently started first. */
  readonly #loaded: string[] = [];
  /** Waiting requests without an adapter. */
  #waitingBase = 0;

  constructor(maxLoras: number, loadMs: number) {
    this.maxLoras = maxLoras;
    this.loadMs = loadMs;
  }

  /** Whether a request for `adapter` may join the running batch now. */
  canRun(adapter: string | undefined): boolean {
    return adapter === undefined || this.#running.has(adapter) || this.#running.size < this.maxLoras;
  }

  /**
   * How many waiting requests could join the batch as far as LoRA goes: exact when all slots are
   * taken, `Infinity` otherwise (any waiting request could take the free slot).
   */
  admissibleWaiting(): number {
    if (this.#running.size < this.maxLoras) return Number.POSITIVE_INFINITY;
    let n = this.#waitingBase;
    for (const a of this.#running.keys()) n += this.#waiting.get(a) ?? 0;
    return n;
  }

  addWaiting(adapter: string | undefined): void {
    if (adapter === undefined) this.#waitingBase++;
    else this.#waiting.set(adapter, (this.#waiting.get(adapter) ?? 0) + 1);
  }

  removeWaiting(adapter: string | undefined): void {
    if (adapter === undefined) this.#waitingBase--;
    else decrement(this.#waiting, adapter);
  }

  /** A request for `adapter` starts running; returns the load time to add to this step (ms). */
  start(adapter: string | undefined): number {
    if (adapter === undefined) return 0;
    this.#running.set(adapter, (this.#running.get(adapter) ?? 0) + 1);
    const at = this.#loaded.indexOf(adapter);
    if (at >= 0) {
      this.#loaded.splice(at, 1);
      this.#loaded.push(adapter);
      return 0;
    }
    if (this.#loaded.length >= this.maxLoras) {
      const victim = this.#loaded.findIndex((a) => !this.#running.has(a));
      if (victim >= 0) this.#loaded.splice(victim, 1);
    }
    this.#loaded.push(adapter);
    return this.loadMs;
  }

  /** A running request for `adapter` stopped (finished, preempted or cancelled). */
  stop(adapter: string | undefined): void {
    if (adapter !== undefined) decrement(this.#running, adapter);
  }

  /** Adapters with running requests. */
  runningAdapters(): string[] {
    return [...this.#running.keys()];
  }

  /** Adapters with waiting requests. */
  waitingAdapters(): string[] {
    return [...this.#waiting.keys()];
  }
}

function decrement(m: Map<string, number>, key: string): void {
  const n = (m.get(key) ?? 0) - 1;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}
