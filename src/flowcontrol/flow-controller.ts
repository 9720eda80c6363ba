/**
 * The flow controller: when a pool is saturated, requests wait here instead of piling onto the
 * engines. Per pool, strict priority between bands; inside a band the fairness policy picks the flow
 * and the ordering policy the request. Capacity limits (global and per band, requests and bytes),
 * a TTL per request, cancellation by AbortSignal (the request leaves at once) and shutdown. Dispatch
 * happens when something may have freed room: `notify(pool)` (a push, a finished request), never by
 * polling; each dispatch runs the scheduler then, so the pick sees the load of that moment. With
 * `enableEviction`, a blocked band takes room back from sheddable requests in flight (eviction.ts).
 * This file is the admission and dispatch loop; the bands, flows and counters are queues.ts's.
 * Runtime-agnostic: time comes from a Clock and Timers, so the quality bench runs it in virtual time.
 */
import type { Clock } from "../core/clock.js";
import { systemTimers, type Timers } from "../push/timers.js";
import type { FlowControlConfig } from "./config.js";
import { InFlightRegistry, MAX_REVOCATIONS_PER_DECISION } from "./eviction.js";
import { IndexedHeap } from "./indexed-heap.js";
import { droppedAnswer, droppedError } from "./outcomes.js";
import { placementOf, type QueuePlacement } from "./placement.js";
import { type BandState, FlowQueues, type PoolQueues } from "./queues.js";
import type { FlowRequest, QueuedItem, QueueOutcome } from "./types.js";

export type { QueuePlacement } from "./placement.js";

/** Metric hooks (src/flowcontrol/flow-metrics.ts implements them). */
export interface FlowControlMetrics {
  /** A request entered (+1, +bytes) or left (-1, -bytes) a queue. */
  queueChanged(req: FlowRequest, requests: number, bytes: number): void;
  /** A request left flow control with `outcome` after `seconds` in the queue (0 when not queued). */
  finished(req: FlowRequest, outcome: QueueOutcome, seconds: number): void;
  /** A dispatched request was evicted in flight (enableEviction). */
  evicted?(req: FlowRequest): void;
}

export interface FlowControllerOptions {
  clock: Clock;
  /** TTL timers. Default: the platform's setTimeout. */
  timers?: Timers;
  config: FlowControlConfig;
  /** The pool's saturation now (pushed metrics plus the router's own in-flight); >= 1 = no room. */
  saturation(pool: string): number;
  /** Whether the pool has any ready endpoint (chooses the TTL, and the answer when it runs out). */
  hasEndpoints(pool: string): boolean;
  metrics?: FlowControlMetrics;
  /**
   * Upstream's eviction confirmation grace (stop-and-wait pacing): after an eviction round, the next
   * may run only this many ms later. Default 0: no pacing. Upstream paces because its gauge sees an
   * eviction only after the engine frees the KV and the next scrape lands (it derives 500 ms for its
   * utilization detector, 10 ms for its concurrency detector, whose counters drop at once); every
   * detector here credits an evicted lease at once (pool-saturation.ts), and the bench measured
   * pacing only delaying critical requests (src/flowcontrol/README.md). Eviction is confirmed in the
   * same call (the front end answers and releases the lease), so upstream's 10 s confirmation timeout
   * has nothing to bound here.
   */
  evictionConfirmationGraceMs?: number;
}

/** A request's promise while it waits; `cancel()` takes it out of the queue at once (the client went away). */
export type QueuedPromise<T> = Promise<T> & { cancel(): void };

const NOOP_METRICS: FlowControlMetrics = { queueChanged() {}, finished() {} };
const NOOP = () => {};

function expiresFirst(a: QueuedItem, b: QueuedItem): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.seq < b.seq);
}

export class FlowController {
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #saturation: (pool: string) => number;
  readonly #hasEndpoints: (pool: string) => boolean;
  readonly #metrics: FlowControlMetrics;
  #config: FlowControlConfig;
  readonly #queues: FlowQueues;
  readonly #expiry = new IndexedHeap<QueuedItem>(expiresFirst, "expiryIndex");
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  #seq = 0;
  #closed = false;
  /** Pools whose dispatch loop is running (a dispatch that notifies again does not re-enter). */
  readonly #draining = new Set<string>();
  readonly #inFlight = new InFlightRegistry();
  readonly #graceMs: number;
  /** Per pool: clock ms before which no eviction round may run (the last round's grace). */
  readonly #evictGate = new Map<string, number>();

  constructor(o: FlowControllerOptions) {
    this.#clock = o.clock;
    this.#timers = o.timers ?? systemTimers;
    this.#saturation = o.saturation;
    this.#hasEndpoints = o.hasEndpoints;
    this.#graceMs = o.evictionConfirmationGraceMs ?? 0;
    const metrics = o.metrics ?? NOOP_METRICS;
    this.#metrics = metrics;
    this.#config = o.config;
    this.#queues = new FlowQueues(
      () => this.#config,
      (req, n, bytes) => metrics.queueChanged(req, n, bytes),
    );
  }

  get config(): FlowControlConfig {
    return this.#config;
  }

  /** Requests waiting, all pools. */
  get queued(): number {
    return this.#queues.requests;
  }

  /** Bytes waiting, all pools. */
  get queuedBytes(): number {
    return this.#queues.bytes;
  }

  /** Requests waiting for `pool`. */
  queuedIn(pool: string): number {
    return this.#queues.existing(pool)?.requests ?? 0;
  }

  /** Pools that have had queues (for the saturation gauge). */
  pools(): string[] {
    return this.#queues.names();
  }

  /**
   * Admits one request: `dispatch()` (the scheduler) runs now when the pool has room and nothing
   * waits, and its value is returned; else the request waits and the promise settles with dispatch's
   * value, or rejects with a RouterError carrying `x-llm-d-request-dropped-reason`. Aborting `signal`
   * removes a waiting request at once (the promise rejects, with nobody left to answer).
   * @throws RouterError 429 `rejected-saturated` (queue full), 503 `rejected-shutting-down`.
   */
  submit<T>(req: FlowRequest, dispatch: () => T, signal?: AbortSignal): T | QueuedPromise<T> {
    let now: { value: T } | undefined;
    let promise: QueuedPromise<T> | undefined;
    this.enqueue(
      req,
      () => {
        const value = dispatch();
        if (promise === undefined) now = { value };
        return value;
      },
      undefined,
      signal,
      (settle, cancel) => {
        promise = new Promise<T>((resolve, reject) =>
          settle(resolve as (v: unknown) => void, reject),
        ) as QueuedPromise<T>;
        promise.cancel = cancel;
      },
    );
    return now !== undefined ? now.value : promise!;
  }

  /**
   * The callback form of {@link submit} (the virtual-time bench has no promises to wait on): `done`
   * is called once, with the error or dispatch's value, now or later. Returns true when the request
   * was dispatched at once.
   * @throws as submit, for refusals made at once.
   */
  enqueue(
    req: FlowRequest,
    dispatch: () => unknown,
    done?: (err: unknown, value?: unknown) => void,
    signal?: AbortSignal,
    onQueued?: (
      settle: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => void,
      cancel: () => void,
    ) => void,
  ): boolean {
    if (this.#closed) throw droppedError("rejected-shutting-down", "the router is shutting down");
    const q = this.#queues;
    const pq = q.pool(req.pool);
    const band = q.band(pq, req.priority);
    if (pq.requests === 0 && this.#saturation(req.pool) < q.ceiling(pq, band)) {
      let value: unknown;
      try {
        value = dispatch();
      } catch (err) {
        this.#metrics.finished(req, "RejectedOther", 0);
        throw err;
      }
      this.#metrics.finished(req, "Dispatched", 0);
      band.fairness.dispatched(band, req.flowId, req, this.#clock.now());
      done?.(undefined, value);
      return true;
    }
    if (signal?.aborted) throw droppedError("rejected-context-cancelled", "the client went away");
    const full = q.capacityProblem(band, req.bytes);
    if (full !== undefined) {
      this.#metrics.finished(req, "RejectedCapacity", 0);
      throw droppedError("rejected-saturated", `flow control queue is full: ${full}`);
    }
    const now = this.#clock.now();
    const ttl = this.#hasEndpoints(req.pool)
      ? this.#config.defaultRequestTTLMs
      : this.#config.noEndpointRequestTTLMs;
    let resolve: (v: unknown) => void = (v) => done?.(undefined, v);
    let reject: (e: unknown) => void = (e) => done?.(e);
    const item: QueuedItem = {
      req,
      seq: this.#seq++,
      enqueuedAt: now,
      expiresAt: ttl > 0 ? now + ttl : Number.POSITIVE_INFINITY,
      key: 0,
      flowIndex: -1,
      expiryIndex: -1,
      flow: q.flow(band, req.flowId),
      dispatch,
      resolve: (v) => resolve(v),
      reject: (e) => reject(e),
      signal,
      onAbort: undefined,
    };
    onQueued?.(
      (res, rej) => {
        resolve = res;
        reject = rej;
      },
      () => this.#drop(item, "EvictedContextCancelled"),
    );
    q.add(pq, item);
    if (item.expiresAt !== Number.POSITIVE_INFINITY) {
      this.#expiry.push(item);
      this.#arm();
    }
    if (signal !== undefined) {
      item.onAbort = () => this.#drop(item, "EvictedContextCancelled");
      signal.addEventListener("abort", item.onAbort, { once: true });
    }
    // Room may have opened without a notify (a request of a higher band just left): use it.
    this.notify(req.pool);
    return false;
  }

  /**
   * A request was dispatched (sent to an endpoint): with `enableEviction` and a sheddable priority it
   * may be evicted while in flight, `evict` then answers it and releases its lease. Returns the call
   * to make when it finishes (no longer evictable).
   */
  dispatched(req: FlowRequest, evict: () => void): () => void {
    if (!this.#config.enableEviction || req.priority >= 0) return NOOP;
    return this.#inFlight.add(req, this.#clock.now(), evict);
  }

  /** Sheddable requests in flight that eviction may take back, in `pool`. */
  evictableIn(pool: string): number {
    return this.#inFlight.size(pool);
  }

  /** Something may have freed room in `pool` (a push, a finished request): dispatch what fits. */
  notify(pool: string): void {
    const pq = this.#queues.existing(pool);
    if (pq === undefined || pq.requests === 0 || this.#draining.has(pool)) return;
    this.#draining.add(pool);
    try {
      this.#drain(pq);
    } finally {
      this.#draining.delete(pool);
    }
  }

  /** {@link notify} for every pool with waiting requests. */
  notifyAll(): void {
    for (const pool of this.#queues.names()) this.notify(pool);
  }

  /** Where `req` would wait now (no side effects). */
  placement(req: FlowRequest): QueuePlacement {
    const saturation = this.#saturation(req.pool);
    return placementOf(this.#queues, this.#config, req, saturation, this.#clock.now());
  }

  /**
   * New settings (config reload): bands take their new limits; a band whose policies changed is
   * rebuilt with its requests kept. Requests already waiting keep their TTL.
   */
  configure(config: FlowControlConfig): void {
    this.#config = config;
    this.#queues.reconfigure(config);
    this.notifyAll();
  }

  /**
   * Dispatches every waiting request now, whatever the saturation (flow control turned off by a
   * reload: the legacy admission decides from here on).
   */
  releaseAll(): void {
    for (const pq of this.#queues.all()) while (pq.requests > 0) this.#dispatchNext(pq);
  }

  /** Refuses every waiting request with 503 `rejected-shutting-down`, and every later one. */
  shutdown(): void {
    this.#closed = true;
    this.#inFlight.clear();
    for (const item of this.#queues.items()) this.#drop(item, "RejectedOther");
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #drain(pq: PoolQueues): void {
    const q = this.#queues;
    let revoked = false;
    for (let band = q.top(pq); band !== undefined; band = q.top(pq)) {
      // Strict priority: when the highest waiting band may not dispatch, no lower one may.
      if (this.#saturation(pq.name) >= q.ceiling(pq, band)) {
        // One eviction round per decision (at most MAX_REVOCATIONS_PER_DECISION requests).
        if (revoked || !this.#evict(pq, band)) break;
        revoked = true;
        continue;
      }
      this.#dispatchNext(pq);
    }
  }

  /**
   * Evicts in-flight sheddable requests below `band` (enableEviction), one at a time while the band
   * stays blocked, at most MAX_REVOCATIONS_PER_DECISION; false when none could go.
   */
  #evict(pq: PoolQueues, band: BandState): boolean {
    if (!this.#config.enableEviction) return false;
    const now = this.#clock.now();
    if (now < (this.#evictGate.get(pq.name) ?? Number.NEGATIVE_INFINITY)) return false;
    let evicted = 0;
    while (evicted < MAX_REVOCATIONS_PER_DECISION) {
      const [victim] = this.#inFlight.take(pq.name, band.priority, 1);
      if (victim === undefined) break;
      evicted++;
      this.#metrics.evicted?.(victim.req);
      victim.evict();
      if (this.#saturation(pq.name) < this.#queues.ceiling(pq, band)) break;
    }
    if (evicted > 0 && this.#graceMs > 0) this.#evictGate.set(pq.name, now + this.#graceMs);
    return evicted > 0;
  }

  /** Takes the next request of the pool (strict priority, then fairness, then ordering) and dispatches it. */
  #dispatchNext(pq: PoolQueues): void {
    const band = this.#queues.top(pq)!;
    const now = this.#clock.now();
    const flow = band.fairness.pick(band, now);
    const item = flow.heap.peek()!;
    this.#detach(item);
    band.fairness.dispatched(band, flow.id, item.req, now);
    const seconds = (now - item.enqueuedAt) / 1000;
    let value: unknown;
    try {
      value = item.dispatch();
    } catch (err) {
      this.#metrics.finished(item.req, "RejectedOther", seconds);
      item.reject(err);
      return;
    }
    this.#metrics.finished(item.req, "Dispatched", seconds);
    item.resolve(value);
  }

  /** Takes `item` out of every structure (queue, counters, expiry, abort listener). */
  #detach(item: QueuedItem): void {
    this.#queues.detach(item);
    if (this.#expiry.remove(item) && this.#expiry.size === 0 && this.#timer !== undefined) {
      this.#timers.clear(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
    }
    if (item.onAbort !== undefined) item.signal?.removeEventListener("abort", item.onAbort);
    item.onAbort = undefined;
  }

  /** Removes a waiting request without dispatching it, and rejects it with the outcome's answer. */
  #drop(item: QueuedItem, outcome: QueueOutcome): void {
    if (item.flowIndex < 0) return;
    this.#detach(item);
    const waited = this.#clock.now() - item.enqueuedAt;
    const answer = droppedAnswer(outcome, item.req.pool, waited, this.#hasEndpoints(item.req.pool));
    this.#metrics.finished(item.req, answer.outcome, waited / 1000);
    item.reject(answer.error);
  }

  /** Arms the one timer for the earliest expiry. */
  #arm(): void {
    const next = this.#expiry.peek();
    if (next === undefined || next.expiresAt >= this.#timerAt) return;
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timerAt = next.expiresAt;
    this.#timer = this.#timers.set(() => this.#expire(), Math.max(0, next.expiresAt - this.#clock.now()));
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    for (let top = this.#expiry.peek(); top !== undefined && top.expiresAt <= now; top = this.#expiry.peek())
      this.#drop(top, "EvictedTTL");
    this.#arm();
  }
}
