/** Where a request would wait (Explain): computed from the queues as they are, no side effects. */
import type { FlowControlConfig } from "./config.js";
import { orderingKey } from "./ordering.js";
import type { FlowQueues } from "./queues.js";
import type { Flow, FlowRequest } from "./types.js";

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

/** Where `req` would wait given the pool's saturation now (`now`: clock ms). */
export function placementOf(
  queues: FlowQueues,
  config: FlowControlConfig,
  req: FlowRequest,
  saturation: number,
  now: number,
): QueuePlacement {
  const pq = queues.existing(req.pool);
  const poolQueued = pq?.requests ?? 0;
  const out = { pool: req.pool, priority: req.priority, flowId: req.flowId, poolQueued };
  const band = pq?.bands.find((b) => b.priority === req.priority);
  const limit = config.usageLimit;
  const fallback = limit.policy === "static-usage-limit-policy" ? limit.threshold : limit.maxCeiling;
  const ceiling = pq !== undefined && band !== undefined ? queues.ceiling(pq, band) : fallback;
  if (poolQueued === 0 && saturation < ceiling) return { ...out, queued: false, position: 0 };
  let position = 0;
  for (const b of pq?.bands ?? []) if (b.priority > req.priority) position += b.requests;
  if (band !== undefined) {
    const ttl = config.defaultRequestTTLMs;
    const probe = { req, enqueuedAt: now, expiresAt: ttl > 0 ? now + ttl : Number.POSITIVE_INFINITY };
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
