/**
 * Ordering policies: which request of a flow goes first. Each reduces to a key computed once at
 * enqueue (lower = sooner; ties by arrival), so every flow is one heap (upstream: a PriorityQueue).
 * - `fcfs-ordering-policy` (default): arrival time.
 * - `edf-ordering-policy`: deadline = enqueue + TTL (no TTL = last).
 * - `slo-deadline-ordering-policy`: deadline = received + `x-llm-d-slo-ttft-ms` (no header = last).
 */
import type { OrderingPolicyName } from "./config.js";
import type { QueuedItem } from "./types.js";

/** The item's ordering key under `policy`. */
export function orderingKey(
  policy: OrderingPolicyName,
  item: Pick<QueuedItem, "enqueuedAt" | "expiresAt" | "req">,
): number {
  switch (policy) {
    case "edf-ordering-policy":
      return item.expiresAt;
    case "slo-deadline-ordering-policy": {
      const slo = item.req.sloTtftMs;
      return slo === undefined ? Number.POSITIVE_INFINITY : item.enqueuedAt + slo;
    }
    default:
      return item.enqueuedAt;
  }
}

/** Heap order of two items of one band (key, then arrival). */
export function orderedBefore(a: QueuedItem, b: QueuedItem): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}
