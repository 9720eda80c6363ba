/**
 * Load figures between pushes: the last pushed metric plus what the router itself sent after that
 * snapshot was observed (`inFlightSincePush`). Without the local part, every pick between two
 * snapshots would land on whichever endpoint looked idle in the last one.
 *
 * Every figure is normalised by the endpoint's capacity (endpoint-capacity.ts: pushed figures
 * or an accelerator label), in units of the reference accelerator (H100, speed 1), counting the
 * request being placed: n requests on an endpoint of relative speed s weigh (n + 1) / s - 1. So a
 * queue of 10 on an L4 (s 0.11) weighs as ~95 on an H100, and an idle L4 as an H100 with ~8 requests
 * (a lone request is ~9x slower there). Speed 1 leaves the figure as it is: pools without capacity
 * labels see the raw figures. Every load scorer, filter and the saturation detector read these
 * functions, so the rule lives here once.
 */
import type { Endpoint } from "../state/types.js";
import { relativeSpeed } from "./endpoint-capacity.js";
import { pushedLessOwnCompletions } from "./pushed-decay.js";

/** Tokens of one typical request (the outstanding-tokens-scorer's smoothing), for the token baseline. */
const ONE_REQUEST_TOKENS = 1024;

/**
 * `n` requests on an endpoint of speed `s` in reference units, counting the request being placed:
 * (n + 1) / s - 1. So an idle L4 (s 0.11) weighs as an H100 with ~8 requests (a lone request is ~9x
 * slower there), and the reference's figures are unchanged.
 */
function requestsAt(n: number, s: number): number {
  return s === 1 ? n : (n + 1) / s - 1;
}

/** Tokens likewise, with one typical request's tokens as the request being placed. */
function tokensAt(t: number, s: number): number {
  return s === 1 ? t : (t + ONE_REQUEST_TOKENS) / s - ONE_REQUEST_TOKENS;
}

/** Waiting requests: pushed queue + the router's requests sent since the snapshot (capacity-normalised). */
export function effectiveQueue(e: Endpoint): number {
  return requestsAt(e.metrics.waitingRequests + e.inFlightSincePush.requests, relativeSpeed(e));
}

/** Running requests: pushed batch size + the router's requests sent since the snapshot (capacity-normalised). */
export function effectiveRunning(e: Endpoint): number {
  return requestsAt(e.metrics.runningRequests + e.inFlightSincePush.requests, relativeSpeed(e));
}

/** Waiting + running + the router's requests sent since the snapshot (capacity-normalised). */
export function effectiveRequests(e: Endpoint): number {
  const m = e.metrics;
  return requestsAt(m.waitingRequests + m.runningRequests + e.inFlightSincePush.requests, relativeSpeed(e));
}

/**
 * Requests the endpoint holds or is about to: the larger of the router's own outstanding requests
 * (exact for one router, seen the moment they are sent) and the pushed waiting + running + the
 * router's requests sent since that push (covers what other router replicas sent). Capacity-normalised.
 */
export function outstandingRequests(e: Endpoint): number {
  const m = e.metrics;
  const pushed = m.waitingRequests + m.runningRequests + e.inFlightSincePush.requests;
  return requestsAt(Math.max(e.inFlight.requests, pushed), relativeSpeed(e));
}

/**
 * Tokens the endpoint holds or is about to: KV tokens in use from the push (usage x blocks x block
 * size, when the engine reports its geometry) + estimated tokens of the router's requests since.
 * Capacity-normalised.
 */
export function effectiveTokens(e: Endpoint): number {
  const m = e.metrics;
  return tokensAt(m.kvCacheUsage * m.numBlocks * m.blockSize + e.inFlightSincePush.tokens, relativeSpeed(e));
}

/**
 * Outstanding tokens: the larger of the router's ledger and the pushed figure (effectiveTokens),
 * capacity-normalised.
 */
export function outstandingTokens(e: Endpoint): number {
  const m = e.metrics;
  const pushed = m.kvCacheUsage * m.numBlocks * m.blockSize + e.inFlightSincePush.tokens;
  return tokensAt(Math.max(e.inFlight.tokens, pushed), relativeSpeed(e));
}

/**
 * outstandingRequests with the pushed figure less the router's own completions since that snapshot
 * (pushed-decay.ts): max(own outstanding, decayed pushed waiting + running + sent since push).
 */
export function decayedOutstandingRequests(e: Endpoint): number {
  const m = e.metrics;
  const pushed = pushedLessOwnCompletions(e, m.waitingRequests + m.runningRequests, 0).requests;
  return requestsAt(Math.max(e.inFlight.requests, pushed + e.inFlightSincePush.requests), relativeSpeed(e));
}

/** outstandingTokens likewise: max(own outstanding tokens, decayed pushed KV tokens + sent since). */
export function decayedOutstandingTokens(e: Endpoint): number {
  const m = e.metrics;
  const pushed = pushedLessOwnCompletions(e, 0, m.kvCacheUsage * m.numBlocks * m.blockSize).tokens;
  return tokensAt(Math.max(e.inFlight.tokens, pushed + e.inFlightSincePush.tokens), relativeSpeed(e));
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
