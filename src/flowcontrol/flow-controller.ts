/**
 * The flow controller: when a pool is saturated, requests wait here instead of piling onto the
 * engines. Per pool, strict priority between bands; inside a band the fairness policy picks the flow
 * and the ordering policy the request. Capacity limits (global and per band, requests and bytes),
 * a TTL per request, cancellation by AbortSignal (the request leaves at once) and shutdown. Dispatch
 * happens when something may have freed room: `notify(pool)` (a push, a finished request), never by
 * polling; each dispatch runs the scheduler then, so the pick sees the load of that moment.
 * Runtime-agnostic: time comes from a Clock and Timers, so the quality bench runs it in virtual time.
 */
import type { Clock } from "../core/clock.js";
import { systemTimers, type Timers } from "../push/timers.js";
import { type BandSpec, bandCeiling, bandFor, type FlowControlConfig } from "./config.js";
import { InFlightRegistry, MAX_REVOCATIONS_PER_DECISION } from "./eviction.js";
import { createFairnessPolicy, type FairnessPolicy } from "./fairness.js";
import { IndexedHeap } from "./indexed-heap.js";
import { orderedBefore, orderingKey } from "./ordering.js";
import { droppedError } from "./outcomes.js";
import type { Band, Flow, FlowRequest, QueuedItem, QueueOutcome } from "./types.js";

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
}

/** Where a request would wait (Explain). */
export interface QueuePlacement {
  pool: string;
  priority: number;
  flowId: string;
  /** False: the pool has room and nothing waits, the request would be dispatched at once. */
  queued: boolean;
  /** Requests estimated to dispatch before it (0 when not queued). */
  position: number;
  /** Requests waiting in the pool now, all bands. */
  poolQueued: number;
}

interface BandState extends Band {
  spec: BandSpec;
  fairness: FairnessPolicy;
}

interface PoolQueues {
  name: string;
  /** Highest priority first. */
  bands: BandState[];
  requests: number;
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
  readonly #pools = new Map<string, PoolQueues>();
  readonly #expiry = new IndexedHeap<QueuedItem>(expiresFirst, "expiryIndex");
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  #requests = 0;
  #bytes = 0;
  #seq = 0;
  #closed = false;
  /** Pools whose dispatch loop is running (a dispatch that notifies again does not re-enter). */
  readonly #draining = new Set<string>();
  readonly #inFlight = new InFlightRegistry();

  constructor(o: FlowControllerOptions) {
    this.#clock = o.clock;
    this.#timers = o.timers ?? systemTimers;
    this.#saturation = o.saturation;
    this.#hasEndpoints = o.hasEndpoints;
    this.#metrics = o.metrics ?? NOOP_METRICS;
    this.#config = o.config;
  }

  get config(): FlowControlConfig {
    return this.#config;
  }

  /** Requests waiting, all pools. */
  get queued(): number {
    return this.#requests;
  }

  /** Bytes waiting, all pools. */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /** Requests waiting for `pool`. */
  queuedIn(pool: string): number {
    return this.#pools.get(pool)?.requests ?? 0;
  }

  /** Pools that have had queues (for the saturation gauge). */
  pools(): string[] {
    return [...this.#pools.keys()];
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
    const pq = this.#pool(req.pool);
    const band = this.#band(pq, req.priority);
    if (pq.requests === 0 && this.#saturation(req.pool) < this.#ceiling(pq, band)) {
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
    const full = this.#capacityProblem(band, req.bytes);
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
    let flow = band.flows.get(req.flowId);
    if (flow === undefined) {
      flow = { id: req.flowId, band, heap: new IndexedHeap<QueuedItem>(orderedBefore, "flowIndex") };
      band.flows.set(req.flowId, flow);
    }
    const item: QueuedItem = {
      req,
      seq: this.#seq++,
      enqueuedAt: now,
      expiresAt: ttl > 0 ? now + ttl : Number.POSITIVE_INFINITY,
      key: 0,
      flowIndex: -1,
      expiryIndex: -1,
      flow,
      dispatch,
      resolve: (v) => resolve(v),
      reject: (e) => reject(e),
      signal,
      onAbort: undefined,
    };
    item.key = orderingKey(band.spec.ordering, item);
    onQueued?.(
      (res, rej) => {
        resolve = res;
        reject = rej;
      },
      () => this.#drop(item, "EvictedContextCancelled"),
    );
    if (flow.heap.size === 0) band.active.push(flow);
    flow.heap.push(item);
    band.requests++;
    band.bytes += req.bytes;
    pq.requests++;
    this.#requests++;
    this.#bytes += req.bytes;
    this.#metrics.queueChanged(req, 1, req.bytes);
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
    const pq = this.#pools.get(pool);
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
    for (const pool of this.#pools.keys()) this.notify(pool);
  }

  /** Where `req` would wait now (no side effects). */
  placement(req: FlowRequest): QueuePlacement {
    const pq = this.#pools.get(req.pool);
    const poolQueued = pq?.requests ?? 0;
    const out = { pool: req.pool, priority: req.priority, flowId: req.flowId, poolQueued };
    const known = pq?.bands.find((b) => b.priority === req.priority);
    const limit = this.#config.usageLimit;
    const fallback = limit.policy === "static-usage-limit-policy" ? limit.threshold : limit.maxCeiling;
    const ceiling = pq !== undefined && known !== undefined ? this.#ceiling(pq, known) : fallback;
    if (poolQueued === 0 && this.#saturation(req.pool) < ceiling)
      return { ...out, queued: false, position: 0 };
    let position = 0;
    const band = pq?.bands.find((b) => b.priority === req.priority);
    for (const b of pq?.bands ?? []) if (b.priority > req.priority) position += b.requests;
    if (band !== undefined) {
      const now = this.#clock.now();
      const ttl = this.#config.defaultRequestTTLMs;
      const probe = {
        req,
        enqueuedAt: now,
        expiresAt: ttl > 0 ? now + ttl : Number.POSITIVE_INFINITY,
      };
      const key = orderingKey(band.spec.ordering, probe);
      const ahead = (f: Flow) => f.heap.items().filter((i) => i.key <= key).length;
      const own = band.flows.get(req.flowId);
      const mine = own ? ahead(own) : 0;
      position += mine;
      for (const f of band.active) {
        if (f === own) continue;
        position +=
          band.spec.fairness === "global-strict-fairness-policy" ? ahead(f) : Math.min(f.heap.size, mine + 1);
      }
    }
    return { ...out, queued: true, position };
  }

  /**
   * New settings (config reload): bands take their new limits; a band whose policies changed is
   * rebuilt with its requests kept. Requests already waiting keep their TTL.
   */
  configure(config: FlowControlConfig): void {
    this.#config = config;
    for (const pq of this.#pools.values()) {
      for (const band of pq.bands) {
        const spec = bandFor(config, band.priority);
        const policiesChanged = spec.fairness !== band.spec.fairness || spec.ordering !== band.spec.ordering;
        band.spec = spec;
        if (!policiesChanged) continue;
        band.fairness = createFairnessPolicy(spec.fairness);
        for (const flow of band.active) {
          const items = [...flow.heap.items()];
          for (const i of items) flow.heap.remove(i);
          for (const i of items) {
            i.key = orderingKey(spec.ordering, i);
            flow.heap.push(i);
          }
        }
      }
      this.notify(pq.name);
    }
  }

  /**
   * Dispatches every waiting request now, whatever the saturation (flow control turned off by a
   * reload: the legacy admission decides from here on).
   */
  releaseAll(): void {
    for (const pq of this.#pools.values()) {
      while (pq.requests > 0) this.#dispatchNext(pq);
    }
  }

  /** Refuses every waiting request with 503 `rejected-shutting-down`, and every later one. */
  shutdown(): void {
    this.#closed = true;
    this.#inFlight.clear();
    for (const pq of this.#pools.values())
      for (const band of pq.bands)
        for (const flow of [...band.active])
          for (const item of [...flow.heap.items()]) this.#drop(item, "RejectedOther");
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #pool(name: string): PoolQueues {
    let pq = this.#pools.get(name);
    if (pq === undefined) {
      pq = { name, bands: [], requests: 0 };
      this.#pools.set(name, pq);
    }
    return pq;
  }

  #band(pq: PoolQueues, priority: number): BandState {
    let band = pq.bands.find((b) => b.priority === priority);
    if (band === undefined) {
      const spec = bandFor(this.#config, priority);
      band = {
        priority,
        active: [],
        flows: new Map(),
        requests: 0,
        bytes: 0,
        spec,
        fairness: createFairnessPolicy(spec.fairness),
      };
      const at = pq.bands.findIndex((b) => b.priority < priority);
      if (at < 0) pq.bands.push(band);
      else pq.bands.splice(at, 0, band);
    }
    return band;
  }

  /** The saturation at or above which `band` does not dispatch (the usage-limit policy). */
  #ceiling(pq: PoolQueues, band: BandState): number {
    const limit = this.#config.usageLimit;
    if (limit.policy === "static-usage-limit-policy") return limit.threshold;
    return bandCeiling(
      limit,
      pq.bands.map((b) => b.priority),
      pq.bands.indexOf(band),
    );
  }

  #capacityProblem(band: BandState, bytes: number): string | undefined {
    const c = this.#config;
    if (band.requests + 1 > band.spec.maxRequests)
      return `priority band ${band.priority} holds ${band.requests} requests (maxRequests ${band.spec.maxRequests})`;
    if (band.bytes + bytes > band.spec.maxBytes)
      return `priority band ${band.priority} holds ${band.bytes} bytes, ${bytes} more would pass maxBytes ${band.spec.maxBytes}`;
    if (c.maxRequests > 0 && this.#requests + 1 > c.maxRequests)
      return `${this.#requests} requests wait (flowControl.maxRequests ${c.maxRequests})`;
    if (c.maxBytes > 0 && this.#bytes + bytes > c.maxBytes)
      return `${this.#bytes} bytes wait, ${bytes} more would pass flowControl.maxBytes ${c.maxBytes}`;
    return undefined;
  }

  #drain(pq: PoolQueues): void {
    let revoked = false;
    while (pq.requests > 0) {
      const band = pq.bands.find((b) => b.requests > 0)!;
      // Strict priority: when the highest waiting band may not dispatch, no lower one may.
      if (this.#saturation(pq.name) >= this.#ceiling(pq, band)) {
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
    let evicted = 0;
    while (evicted < MAX_REVOCATIONS_PER_DECISION) {
      const [victim] = this.#inFlight.take(pq.name, band.priority, 1);
      if (victim === undefined) break;
      evicted++;
      this.#metrics.evicted?.(victim.req);
      victim.evict();
      if (this.#saturation(pq.name) < this.#ceiling(pq, band)) break;
    }
    return evicted > 0;
  }

  /** Takes the next request of the pool (strict priority, then fairness, then ordering) and dispatches it. */
  #dispatchNext(pq: PoolQueues): void {
    const band = pq.bands.find((b) => b.requests > 0)!;
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
    const flow = item.flow;
    const band = flow.band as BandState;
    flow.heap.remove(item);
    if (flow.heap.size === 0) {
      const i = band.active.indexOf(flow);
      if (i >= 0) band.active.splice(i, 1);
      band.flows.delete(flow.id);
    }
    band.requests--;
    band.bytes -= item.req.bytes;
    const pq = this.#pools.get(item.req.pool)!;
    pq.requests--;
    this.#requests--;
    this.#bytes -= item.req.bytes;
    this.#metrics.queueChanged(item.req, -1, -item.req.bytes);
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
    const now = this.#clock.now();
    const waited = now - item.enqueuedAt;
    let reason: Parameters<typeof droppedError>[0];
    let message: string;
    let final = outcome;
    if (outcome === "EvictedTTL") {
      if (this.#hasEndpoints(item.req.pool)) {
        reason = "rejected-ttl-expired";
        message = `request expired in the flow control queue after ${Math.round(waited)} ms (flowControl.defaultRequestTTL)`;
      } else {
        final = "EvictedNoEndpoints";
        reason = "rejected-no-endpoints";
        message = `no endpoint of pool "${item.req.pool}" became available within ${Math.round(waited)} ms (flowControl.noEndpointRequestTTL)`;
      }
    } else if (outcome === "EvictedContextCancelled") {
      reason = "rejected-context-cancelled";
      message = "the client went away while the request was queued";
    } else {
      reason = "rejected-shutting-down";
      message = "the router is shutting down";
    }
    this.#metrics.finished(item.req, final, waited / 1000);
    item.reject(droppedError(reason, message));
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
