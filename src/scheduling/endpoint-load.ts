/**
 * Load figures between pushes: the last pushed metric plus what the router itself sent after that
 * snapshot was observed (`inFlightSincePush`). Without the local part, every pick between two
 * snapshots would land on whichever endpoint looked idle in the last one.
 *
 * Every figure is normalised by the endpoint's capacity (capacity/endpoint-capacity.ts: pushed figures
 * or an accelerator label): it is divided by the endpoint's speed relative to the reference
 * accelerator (H100 = 1), so a queue of 10 on an L4 (speed 0.11) weighs as a queue of ~90 on an H100.
 * An unlabelled endpoint has speed 1: pools without capacity labels see the raw figures. Every load
 * scorer, filter and the saturation detector read these functions, so the rule lives here once.
 */
import type { Endpoint } from "../state/types.js";
import { relativeSpeed } from "./capacity/endpoint-capacity.js";

/** Waiting requests: pushed queue + the router's requests sent since the snapshot (capacity-normalised). */
export function effectiveQueue(e: Endpoint): number {
  return (e.metrics.waitingRequests + e.inFlightSincePush.requests) / relativeSpeed(e);
}

/** Running requests: pushed batch size + the router's requests sent since the snapshot (capacity-normalised). */
export function effectiveRunning(e: Endpoint): number {
  return (e.metrics.runningRequests + e.inFlightSincePush.requests) / relativeSpeed(e);
}

/** Waiting + running + the router's requests sent since the snapshot (capacity-normalised). */
export function effectiveRequests(e: Endpoint): number {
  const m = e.metrics;
  return (m.waitingRequests + m.runningRequests + e.inFlightSincePush.requests) / relativeSpeed(e);
}

/**
 * Requests the endpoint holds or is about to: the larger of the router's own outstanding requests
 * (exact for one router, seen the moment they are sent) and the pushed waiting + running + the
 * router's requests sent since that push (covers what other router replicas sent). Capacity-normalised.
 */
export function outstandingRequests(e: Endpoint): number {
  const m = e.metrics;
  const pushed = m.waitingRequests + m.runningRequests + e.inFlightSincePush.requests;
  return Math.max(e.inFlight.requests, pushed) / relativeSpeed(e);
}

/**
 * Tokens the endpoint holds or is about to: KV tokens in use from the push (usage x blocks x block
 * size, when the engine reports its geometry) + estimated tokens of the router's requests since.
 * Capacity-normalised.
 */
export function effectiveTokens(e: Endpoint): number {
  const m = e.metrics;
  return (m.kvCacheUsage * m.numBlocks * m.blockSize + e.inFlightSincePush.tokens) / relativeSpeed(e);
}

/**
 * Outstanding tokens: the larger of the router's ledger and the pushed figure (effectiveTokens),
 * capacity-normalised.
 */
export function outstandingTokens(e: Endpoint): number {
  const m = e.metrics;
  const pushed = m.kvCacheUsage * m.numBlocks * m.blockSize + e.inFlightSincePush.tokens;
  return Math.max(e.inFlight.tokens, pushed) / relativeSpeed(e);
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
