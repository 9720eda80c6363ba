/**
 * Pushed load figures less the router's own completions since the snapshot. A snapshot counts the
 * requests (and KV tokens) the engine held when it was observed; by the time the router reads it,
 * some have finished, and with pushes a second apart the pushed figure plus the requests sent since
 * overstates the load by every completion since. Each endpoint's push has its own age, so the
 * overstatement differs from one endpoint to the next and skews the comparison. The router sees its
 * own requests finish: those it had sent before the snapshot and that are no longer in flight are
 * in the snapshot and gone now.
 *
 *   at the first read of a snapshot: own0 = own requests (tokens) sent before it, still in flight
 *   later reads:                     own  = the same count now (they only finish)
 *   decayed = pushed x (1 - (own0 - own) / max(own0, pushed))
 *
 * With one router the pushed figure is the router's own work and `decayed` is what is left of it;
 * with several, only this router's completions are taken off (the others' are not seen: their part
 * stays as pushed). Tokens: the ledger counts prompt + output per request, more than a running
 * request holds, so the tokens taken off are in proportion (own0 >= pushed) or capped by the pushed
 * figure. State per endpoint record, keyed by the snapshot's sequence (a WeakMap: nothing to clean).
 */
import type { Endpoint } from "../state/types.js";

interface Seen {
  sequence: bigint;
  requests0: number;
  tokens0: number;
}

const seen = new WeakMap<Endpoint, Seen>();

/** Reused result of `pushedLessOwnCompletions` (no allocation per read: scorers ask per candidate). */
const out = { requests: 0, tokens: 0 };

/**
 * `pushedRequests` and `pushedTokens` (the snapshot's figures for `e`) less this router's own
 * completions since the snapshot. The result object is reused by the next call.
 */
export function pushedLessOwnCompletions(
  e: Endpoint,
  pushedRequests: number,
  pushedTokens: number,
): Readonly<{ requests: number; tokens: number }> {
  // Own requests and tokens sent before the snapshot and still in flight (the since-push counts
  // include what peer router replicas reported, which is not in the own ledger).
  const since = e.inFlightSincePush;
  const peers = e.peers;
  const requests = Math.max(0, e.inFlight.requests - since.requests + (peers?.requests ?? 0));
  const tokens = Math.max(0, e.inFlight.tokens - since.tokens + (peers?.tokens ?? 0));
  let s = seen.get(e);
  if (s === undefined) {
    s = { sequence: e.sequence, requests0: requests, tokens0: tokens };
    seen.set(e, s);
  } else if (s.sequence !== e.sequence) {
    s.sequence = e.sequence;
    s.requests0 = requests;
    s.tokens0 = tokens;
  }
  out.requests = pushedRequests * decayFactor(s.requests0, requests, pushedRequests);
  out.tokens = pushedTokens * decayFactor(s.tokens0, tokens, pushedTokens);
  return out;
}

/** 1 - (own0 - own) / max(own0, pushed), in [0, 1]. */
function decayFactor(own0: number, own: number, pushed: number): number {
  const done = own0 - own;
  if (!(done > 0)) return 1;
  return Math.max(0, 1 - done / Math.max(own0, pushed));
}
