/**
 * Load figures between pushes: the last pushed metric plus what the router itself sent after that
 * snapshot was observed (`inFlightSincePush`). Without the local part, every pick between two
 * snapshots would land on whichever endpoint looked idle in the last one.
 */
import type { Endpoint } from "../state/types.js";

/** Waiting requests: pushed queue + the router's requests sent since the snapshot. */
export function effectiveQueue(e: Endpoint): number {
  return e.metrics.waitingRequests + e.inFlightSincePush.requests;
}

/** Running requests: pushed batch size + the router's requests sent since the snapshot. */
export function effectiveRunning(e: Endpoint): number {
  return e.metrics.runningRequests + e.inFlightSincePush.requests;
}

/** Waiting + running + the router's requests sent since the snapshot. */
export function effectiveRequests(e: Endpoint): number {
  return e.metrics.waitingRequests + e.metrics.runningRequests + e.inFlightSincePush.requests;
}

/**
 * Requests the endpoint holds or is about to: the larger of the router's own outstanding requests
 * (exact for one router, seen the moment they are sent) and the pushed waiting + running + the
 * router's requests sent since that push (covers what other router replicas sent).
 */
export function outstandingRequests(e: Endpoint): number {
  return Math.max(e.inFlight.requests, effectiveRequests(e));
}

/**
 * Tokens the endpoint holds or is about to: KV tokens in use from the push (usage x blocks x block
 * size, when the engine reports its geometry) + estimated tokens of the router's requests since.
 */
export function effectiveTokens(e: Endpoint): number {
  const m = e.metrics;
  return m.kvCacheUsage * m.numBlocks * m.blockSize + e.inFlightSincePush.tokens;
}

/**
 * Writes (max - v) / (max - min) over `out[0..n)` in place (lower load = higher score); 1 for all
 * when every value is equal. The shape upstream's queue and running-requests scorers use.
 */
export function invertMinMax(out: Float64Array, n: number): void {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = out[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  if (!(range > 0)) {
    out.fill(1, 0, n);
    return;
  }
  for (let i = 0; i < n; i++) out[i] = (max - out[i]!) / range;
}
