/**
 * The engine's waiting queue under each scheduling policy (vLLM v1 `request_queue.py`):
 * `fcfs` is a deque (arrivals at the back, preempted and skipped requests back at the front);
 * `priority` is a heap ordered by (priority, arrival time), lower first, where a preempted request
 * goes back by its key (vLLM's `PriorityRequestQueue.prepend_request` is an ordinary insert).
 */
import { Deque } from "./deque.js";
import type { EngineRequest } from "./engine-types.js";
import type { Sequence } from "./sequence.js";

/** vLLM's `--scheduling-policy`: `fcfs` (default) or `priority`. */
export type SchedulingPolicy = "fcfs" | "priority";

/** What the step planner needs of the waiting queue (the Deque's own surface). */
export interface WaitingQueue<T> {
  readonly size: number;
  peekFront(): T | undefined;
  popFront(): T | undefined;
  /** A new arrival. */
  pushBack(item: T): void;
  /** A preempted or skipped request, going back. */
  pushFront(item: T): void;
  clear(): void;
}

/** The request's priority as the engine orders it (vLLM: lower first; absent = 0). */
export const enginePriorityOf = (r: EngineRequest): number => r.priority ?? 0;

/** Binary heap on (priority, arrival, submission order): O(log n) insert and pop. */
export class PriorityWaitingQueue<R extends EngineRequest> implements WaitingQueue<Sequence<R>> {
  #heap: Sequence<R>[] = [];

  get size(): number {
    return this.#heap.length;
  }

  peekFront(): Sequence<R> | undefined {
    return this.#heap[0];
  }

  popFront(): Sequence<R> | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.#down(0);
    }
    return top;
  }

  pushBack(item: Sequence<R>): void {
    this.#heap.push(item);
    this.#up(this.#heap.length - 1);
  }

  pushFront(item: Sequence<R>): void {
    this.pushBack(item);
  }

  clear(): void {
    this.#heap = [];
  }

  #up(i: number): void {
    const h = this.#heap;
    const item = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(item, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = item;
  }

  #down(i: number): void {
    const h = this.#heap;
    const n = h.length;
    const item = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, item)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = item;
  }
}

/** Whether `a` is served before `b`: lower priority value, then earlier arrival, then earlier submission. */
function before<R extends EngineRequest>(a: Sequence<R>, b: Sequence<R>): boolean {
  const pa = enginePriorityOf(a.request);
  const pb = enginePriorityOf(b.request);
  if (pa !== pb) return pa < pb;
  if (a.arrivalMs !== b.arrivalMs) return a.arrivalMs < b.arrivalMs;
  return a.order < b.order;
}

/** The waiting queue of a policy. */
export function createWaitingQueue<R extends EngineRequest>(
  policy: SchedulingPolicy,
): WaitingQueue<Sequence<R>> {
  return policy === "priority" ? new PriorityWaitingQueue<R>() : new Deque<Sequence<R>>();
}

/**
 * The running sequence to preempt when KV blocks run out (its index in `running`): `fcfs` the
 * newest (the last); `priority` vLLM's max(priority, arrival time): the least important, newest first.
 */
export function preemptionVictim<R extends EngineRequest>(
  running: readonly Sequence<R>[],
  policy: SchedulingPolicy,
): number {
  if (policy === "fcfs") return running.length - 1;
  let v = 0;
  for (let i = 1; i < running.length; i++) {
    const a = running[i]!;
    const b = running[v]!;
    const pa = enginePriorityOf(a.request);
    const pb = enginePriorityOf(b.request);
    if (pa > pb || (pa === pb && a.arrivalMs > b.arrivalMs)) v = i;
  }
  return v;
}
