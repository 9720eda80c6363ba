/**
 * The share of a pool's traffic this router replica sends (ours), estimated from pushes: at the
 * first sight of an endpoint's new snapshot, the router's own requests that were outstanding when
 * the snapshot was observed (inFlight - own inFlightSincePush, where own since-push = inFlightSincePush
 * - peers) are compared with the snapshot's waiting + running:
 *
 *   own    <- own    x (1 - a) + ownAtPush x a        (a = smoothing, per new snapshot seen)
 *   pushed <- pushed x (1 - a) + (waiting + running) x a
 *   share  = clamp(own / pushed, minShare, 1); 1 before the first snapshot with load and before
 *            minSnapshots snapshots are folded (0 by default; the average of a few is noise), and 1 from fullShare up (a lone router's estimate runs ~0.98-0.99,
 *            down to ~0.7 on agentic / kv-bound with 1 s pushes: requests that end between the
 *            snapshot and its arrival are in the push, no longer in the ledger)
 *
 * One router taking all the traffic estimates ~1; three routers splitting it at random ~1/3, with or
 * without peer sharing (peers' dispatches are not the router's own). Dry runs fold nothing.
 */
import type { Endpoint } from "../../../state/types.js";
import type { CycleContext } from "../../framework/plugin.js";

export class OwnShareEstimator {
  readonly minShare: number;
  readonly smoothing: number;
  readonly fullShare: number;
  /** Last snapshot sequence folded per endpoint address. */
  readonly #seen = new Map<string, bigint>();
  #own = 0;
  #pushed = 0;
  #kvUsage = 0;
  #folded = 0;

  readonly minSnapshots: number;

  constructor(minShare: number, smoothing: number, fullShare = 1, minSnapshots = 0) {
    this.minSnapshots = minSnapshots;
    this.minShare = minShare;
    this.smoothing = smoothing;
    this.fullShare = fullShare;
  }

  /** The estimate so far. */
  share(): number {
    if (this.#pushed <= 0 || this.#folded < this.minSnapshots) return 1;
    const s = this.#own / this.#pushed;
    return s >= this.fullShare ? 1 : Math.max(this.minShare, s);
  }

  /**
   * EWMA (same smoothing, per new snapshot) of the snapshots' KV-cache usage (0..1), bias-corrected
   * for the first snapshots; 0 before the first.
   */
  kvUsage(): number {
    return this.#folded > 0 ? this.#kvUsage / (1 - (1 - this.smoothing) ** this.#folded) : 0;
  }

  /** Folds the snapshots of `endpoints` not folded yet. */
  /** The share this router sees for one pick: observe(), then share() raised by what peers reported. */
  pickShare(ctx: CycleContext, endpoints: readonly Endpoint[]): number {
    this.observe(ctx, endpoints);
    return visibleShare(this.share(), endpoints);
  }

  observe(ctx: CycleContext, endpoints: readonly Endpoint[]): void {
    if (ctx.dryRun) return;
    const a = this.smoothing;
    for (const e of endpoints) {
      if (this.#seen.get(e.address) === e.sequence) continue;
      this.#seen.set(e.address, e.sequence);
      const ownSince = e.inFlightSincePush.requests - (e.peers?.requests ?? 0);
      const ownAtPush = Math.max(0, e.inFlight.requests - ownSince);
      this.#own = this.#own * (1 - a) + ownAtPush * a;
      this.#pushed = this.#pushed * (1 - a) + (e.metrics.waitingRequests + e.metrics.runningRequests) * a;
      this.#kvUsage = this.#kvUsage * (1 - a) + e.metrics.kvCacheUsage * a;
      if (this.#folded < 10_000) this.#folded++;
    }
    // Endpoints come and go: forget the addresses now and then (a forgotten one is folded once more).
    if (this.#seen.size > 4 * endpoints.length + 1024) this.#seen.clear();
  }
}

/**
 * The share of the since-push dispatches this router sees: its traffic share s, raised by what peer
 * replicas reported sending since the pushes (serve --peers): min(1, s x (own + peers) / own), summed
 * over `endpoints`; s when it sent nothing since.
 */
export function visibleShare(share: number, endpoints: readonly Endpoint[]): number {
  if (share >= 1) return share;
  let own = 0;
  let peers = 0;
  for (const e of endpoints) {
    const p = e.peers?.requests ?? 0;
    peers += p;
    own += e.inFlightSincePush.requests - p;
  }
  return own > 0 && peers > 0 ? Math.min(1, (share * (own + peers)) / own) : share;
}
