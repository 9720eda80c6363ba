/**
 * Flow control's queue bookkeeping: per pool, its priority bands (highest first), in each band its
 * flows (one heap per fairness id), and the counters the capacity limits and metrics read. No
 * dispatch decisions here (flow-controller.ts), and no time: a request is added, detached, or its band
 * rebuilt when the config changes its policies.
 */
import { type BandSpec, bandCeiling, bandFor, type FlowControlConfig } from "./config.js";
import { createFairnessPolicy, type FairnessPolicy } from "./fairness.js";
import { IndexedHeap } from "./indexed-heap.js";
import { orderedBefore, orderingKey } from "./ordering.js";
import type { Band, Flow, FlowRequest, QueuedItem } from "./types.js";

export interface BandState extends Band {
  spec: BandSpec;
  fairness: FairnessPolicy;
}

export interface PoolQueues {
  name: string;
  /** Highest priority first. */
  bands: BandState[];
  requests: number;
}

/** Queue-size changes (the flow_control_queue_size / _bytes gauges). */
export type QueueChanged = (req: FlowRequest, requests: number, bytes: number) => void;

export class FlowQueues {
  readonly #pools = new Map<string, PoolQueues>();
  readonly #changed: QueueChanged;
  #config: () => FlowControlConfig;
  /** Requests and bytes waiting, all pools. */
  requests = 0;
  bytes = 0;

  constructor(config: () => FlowControlConfig, changed: QueueChanged) {
    this.#config = config;
    this.#changed = changed;
  }

  /** The pool's queues, created empty the first time. */
  pool(name: string): PoolQueues {
    let pq = this.#pools.get(name);
    if (pq === undefined) {
      pq = { name, bands: [], requests: 0 };
      this.#pools.set(name, pq);
    }
    return pq;
  }

  /** The pool's queues, if it has had any. */
  existing(name: string): PoolQueues | undefined {
    return this.#pools.get(name);
  }

  all(): IterableIterator<PoolQueues> {
    return this.#pools.values();
  }

  names(): string[] {
    return [...this.#pools.keys()];
  }

  /** The band of `priority` in the pool, created (with the config's spec for it) the first time. */
  band(pq: PoolQueues, priority: number): BandState {
    let band = pq.bands.find((b) => b.priority === priority);
    if (band === undefined) {
      const spec = bandFor(this.#config(), priority);
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

  /** The highest band with a waiting request. */
  top(pq: PoolQueues): BandState | undefined {
    return pq.bands.find((b) => b.requests > 0);
  }

  /** The saturation at or above which `band` does not dispatch (the usage-limit policy). */
  ceiling(pq: PoolQueues, band: BandState): number {
    const limit = this.#config().usageLimit;
    if (limit.policy === "static-usage-limit-policy") return limit.threshold;
    return bandCeiling(
      limit,
      pq.bands.map((b) => b.priority),
      pq.bands.indexOf(band),
    );
  }

  /** Why one more request of `bytes` does not fit in `band` (a capacity limit), or undefined. */
  capacityProblem(band: BandState, bytes: number): string | undefined {
    const c = this.#config();
    if (band.requests + 1 > band.spec.maxRequests)
      return `priority band ${band.priority} holds ${band.requests} requests (maxRequests ${band.spec.maxRequests})`;
    if (band.bytes + bytes > band.spec.maxBytes)
      return `priority band ${band.priority} holds ${band.bytes} bytes, ${bytes} more would pass maxBytes ${band.spec.maxBytes}`;
    if (c.maxRequests > 0 && this.requests + 1 > c.maxRequests)
      return `${this.requests} requests wait (flowControl.maxRequests ${c.maxRequests})`;
    if (c.maxBytes > 0 && this.bytes + bytes > c.maxBytes)
      return `${this.bytes} bytes wait, ${bytes} more would pass flowControl.maxBytes ${c.maxBytes}`;
    return undefined;
  }

  /** The flow of `flowId` in `band`, created the first time. */
  flow(band: BandState, flowId: string): Flow {
    let flow = band.flows.get(flowId);
    if (flow === undefined) {
      flow = { id: flowId, band, heap: new IndexedHeap<QueuedItem>(orderedBefore, "flowIndex") };
      band.flows.set(flowId, flow);
    }
    return flow;
  }

  /** Queues `item` in its flow (its key set by the band's ordering policy). */
  add(pq: PoolQueues, item: QueuedItem): void {
    const flow = item.flow;
    const band = flow.band as BandState;
    item.key = orderingKey(band.spec.ordering, item);
    if (flow.heap.size === 0) band.active.push(flow);
    flow.heap.push(item);
    band.requests++;
    band.bytes += item.req.bytes;
    pq.requests++;
    this.requests++;
    this.bytes += item.req.bytes;
    this.#changed(item.req, 1, item.req.bytes);
  }

  /** Takes `item` out of its flow and the counters. */
  detach(item: QueuedItem): void {
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
    this.#pools.get(item.req.pool)!.requests--;
    this.requests--;
    this.bytes -= item.req.bytes;
    this.#changed(item.req, -1, -item.req.bytes);
  }

  /**
   * New settings: bands take their new limits; a band whose policies changed gets the new fairness
   * policy and its requests re-keyed by the new ordering (kept, in the same flows).
   */
  reconfigure(config: FlowControlConfig): void {
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
    }
  }

  /** Every waiting request (a copy: the caller may detach them). */
  items(): QueuedItem[] {
    const out: QueuedItem[] = [];
    for (const pq of this.#pools.values())
      for (const band of pq.bands) for (const flow of band.active) out.push(...flow.heap.items());
    return out;
  }
}
