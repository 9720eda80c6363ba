/**
 * share-scaled-scorer (ours): runs another load scorer on the endpoints' load as this router's share
 * of the traffic implies, so several router replicas without peer sharing balance the pool instead
 * of herding on the endpoint the last push showed idle.
 *
 * A router that sends a share s of the pool's traffic (own-share.ts) sees exactly its own in-flight
 * and, one push interval late, everyone's. Its own in-flight / s is a fresh estimate of everyone's
 * (the traffic is split at random); the load scorers take the larger of the own ledger and the
 * pushed figure (endpoint-load.ts), so with the ledger scaled each replica balances its own third
 * while the pushed figure still catches what the estimate misses. One router (s = 1) scores exactly
 * as the inner scorer does. The inner scorer sees each endpoint with
 *
 *   inFlight          = { requests, tokens } / s
 *   inFlightSincePush = peers + own since-push / s   (only with scaleSincePush; default unchanged)
 *
 * With stalenessGain k > 0 the scaling fades in with the age of the pushes (staleShare below; default
 * 0 = always the full 1/s: on the matrix k 2-4 traded the stale-push fix for less loss on fresh pushes).
 *
 * With kvGateFrom < kvGateTo the scaling fades in as the pushed KV usage (EWMA over snapshots,
 * own-share.ts) goes from the one to the other: a token balance matters where KV binds, and on a
 * pool with KV to spare (an H100 serving LoRA adapters) a scaled token figure only outweighs the
 * adapter affinity (the built-in default wraps outstanding-tokens-scorer with 0.3 -> 0.6).
 *
 * Peers' since-push requests (serve --peers) count as seen: the share used is the visible share
 * min(1, s x (own + peers' since-push requests) / own since-push requests), ~1 with peer sharing
 * (nothing left to scale), s without.
 *
 * Parameters: scorer (the inner scorer's plugin name, declared before this one; not listed in the
 * profile itself), minShare (0.05), shareSmoothing (0.05), fullShare (0.9: an estimate from it up counts as 1), scaleSincePush (false), scaleLedger (true), stalenessGain (0), minSnapshots (0: snapshots folded before the estimate is used), kvGateFrom (0), kvGateTo (0 = no gate), shareWith (none: the name of a share-scaled-scorer declared before whose share estimate, and so its minShare, shareSmoothing, fullShare and minSnapshots, this one uses; the estimate is then observed once per pick).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import {
  type CycleContext,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../framework/plugin.js";
import { isScorer, type Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";
import { OwnShareEstimator } from "./own-share.js";

export const shareScaledScorerType = "share-scaled-scorer";

const parametersSchema = z.strictObject({
  scorer: z.string().min(1).max(253),
  minShare: z.number().min(0.001).max(1).default(0.05),
  shareSmoothing: z.number().gt(0).max(1).default(0.05),
  fullShare: z.number().gt(0).max(1).default(0.9),
  scaleSincePush: z.boolean().default(false),
  scaleLedger: z.boolean().default(true),
  stalenessGain: z.number().min(0).max(1_000).default(0),
  minSnapshots: z.number().int().min(0).max(100_000).default(0),
  kvGateFrom: z.number().min(0).max(1).default(0),
  kvGateTo: z.number().min(0).max(1).default(0),
  shareWith: z.string().min(1).max(253).optional(),
});

type MutableEndpoint = { -readonly [K in keyof Endpoint]: Endpoint[K] };
type Counts = { requests: number; tokens: number };

/**
 * `e` as a router sending a share `share` of the traffic estimates everyone's load on it, written
 * into `into` (a new object when absent): a plain object with every Endpoint field (a store record
 * computes its in-flight counts in getters, which a spread would drop).
 */
export function scaledView(
  e: Endpoint,
  share: number,
  scaleSincePush: boolean,
  scaleLedger = true,
  into: MutableEndpoint = {} as MutableEndpoint,
): Endpoint {
  const peers = e.peers;
  const since = e.inFlightSincePush;
  const ledger = scaleLedger ? share : 1;
  into.address = e.address;
  into.ip = e.ip;
  into.port = e.port;
  into.pool = e.pool;
  into.source = e.source;
  into.ready = e.ready;
  into.labels = e.labels;
  into.engine = e.engine;
  into.models = e.models;
  into.metrics = e.metrics;
  into.sequence = e.sequence;
  into.observedAt = e.observedAt;
  into.receivedAt = e.receivedAt;
  // The nested counts are rewritten in place (no allocation per endpoint and call).
  if (!into.inFlight) into.inFlight = { requests: 0, tokens: 0 };
  if (!into.inFlightSincePush) into.inFlightSincePush = { requests: 0, tokens: 0 };
  if (!into.peers) into.peers = { requests: 0, tokens: 0 };
  const inFlight = into.inFlight as Counts;
  const sinceOut = into.inFlightSincePush as Counts;
  const peersOut = into.peers as Counts;
  const flight = e.inFlight;
  inFlight.requests = flight.requests / ledger;
  inFlight.tokens = flight.tokens / ledger;
  const pr = peers?.requests ?? 0;
  const pt = peers?.tokens ?? 0;
  sinceOut.requests = scaleSincePush ? pr + (since.requests - pr) / share : since.requests;
  sinceOut.tokens = scaleSincePush ? pt + (since.tokens - pt) / share : since.tokens;
  peersOut.requests = pr;
  peersOut.tokens = pt;
  return into;
}

/**
 * The share the ledger is divided by with stalenessGain k > 0: 1 / (1 + (1/s - 1) x min(1, k x W)),
 * W = own requests sent since their endpoint's push / own outstanding requests (0 when none): fresh
 * pushes (W near 0) leave the ledger as it is, pushes older than ~1/k of the requests' lifetime
 * scale it fully.
 */
export function staleShare(share: number, gain: number, own: number, ownSincePush: number): number {
  const g = own > 0 ? Math.min(1, (gain * ownSincePush) / own) : 0;
  return 1 / (1 + (1 / share - 1) * g);
}

export class ShareScaledScorer implements Scorer {
  readonly type = shareScaledScorerType;
  readonly name: string;
  readonly inner: Scorer;
  readonly scaleSincePush: boolean;
  readonly scaleLedger: boolean;
  readonly stalenessGain: number;
  /** The scaling fades in as the pushed KV usage (EWMA) goes from kvGate[0] to kvGate[1]; [0, 0] = off. */
  readonly kvGate: readonly [number, number];
  readonly estimator: OwnShareEstimator;
  /** The share-scaled-scorer whose estimate this one uses (parameter shareWith). */
  readonly shareFrom: ShareScaledScorer | undefined;
  #lastReq: SchedulingRequest | undefined;
  #lastEndpoints: readonly Endpoint[] | undefined;
  #lastShare = 1;
  #views: Endpoint[] = [];
  /** Per position, the endpoint last seen there and its view (the candidate list is mostly the same). */
  readonly #built: (Endpoint | undefined)[] = [];
  readonly #slots: MutableEndpoint[] = [];
  /**
   * One view per endpoint record, rewritten on every call: state kept per endpoint object (the
   * pushed-completion decay of endpoint-load) follows the view as it would the record.
   */
  readonly #viewOf = new WeakMap<Endpoint, MutableEndpoint>();

  constructor(
    name: string,
    inner: Scorer,
    estimator: OwnShareEstimator,
    scaleSincePush: boolean,
    scaleLedger = true,
    stalenessGain = 0,
    kvGate: readonly [number, number] = [0, 0],
    shareFrom?: ShareScaledScorer,
  ) {
    this.shareFrom = shareFrom;
    this.kvGate = kvGate;
    this.scaleLedger = scaleLedger;
    this.stalenessGain = stalenessGain;
    this.name = name;
    this.inner = inner;
    this.estimator = estimator;
    this.scaleSincePush = scaleSincePush;
  }

  score(ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    // With shareWith, the scorer this one shares its estimate with has just computed it for this
    // pick (it is declared, and so runs, before): take it rather than fold the snapshots twice.
    const src = this.shareFrom;
    let share =
      src !== undefined && !ctx.dryRun && src.#lastReq === req && src.#lastEndpoints === endpoints
        ? src.#lastShare
        : this.estimator.pickShare(ctx, endpoints);
    if (!ctx.dryRun) {
      this.#lastReq = req;
      this.#lastEndpoints = endpoints;
      this.#lastShare = share;
    }
    if (share < 1 && this.stalenessGain > 0) {
      let own = 0;
      let since = 0;
      for (const e of endpoints) {
        own += e.inFlight.requests;
        since += e.inFlightSincePush.requests - (e.peers?.requests ?? 0);
      }
      share = staleShare(share, this.stalenessGain, own, since);
    }
    const [from, to] = this.kvGate;
    if (share < 1 && to > 0) {
      const u = this.estimator.kvUsage();
      const g = u <= from ? 0 : u >= to ? 1 : (u - from) / (to - from);
      share = 1 / (1 + (1 / share - 1) * g);
    }
    if (share >= 1) {
      this.inner.score(ctx, req, endpoints, out);
      return;
    }
    const views = this.#views;
    const built = this.#built;
    const slots = this.#slots;
    views.length = endpoints.length;
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[i]!;
      let into: MutableEndpoint | undefined;
      if (built[i] === e) into = slots[i]!;
      else {
        into = this.#viewOf.get(e);
        if (!into) {
          into = {} as MutableEndpoint;
          this.#viewOf.set(e, into);
        }
        built[i] = e;
        slots[i] = into;
      }
      views[i] = scaledView(e, share, this.scaleSincePush, this.scaleLedger, into);
    }
    this.inner.score(ctx, req, views, out);
  }
}

export const createShareScaledScorer: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(parametersSchema, name, shareScaledScorerType, parameters);
  if (p.kvGateTo > 0 && p.kvGateTo < p.kvGateFrom)
    throw pluginError(
      name,
      shareScaledScorerType,
      `parameters.kvGateTo: ${p.kvGateTo} must be >= kvGateFrom (${p.kvGateFrom})`,
    );
  const inner = deps.plugin(p.scorer);
  if (!inner || !isScorer(inner) || inner instanceof ShareScaledScorer) {
    throw pluginError(
      name,
      shareScaledScorerType,
      `parameters.scorer: "${p.scorer}" must name a scorer declared before this plugin (${inner ? `"${inner.name}" is a ${inner.type}` : "no plugin of that name"})`,
    );
  }
  let estimator: OwnShareEstimator;
  let shareFrom: ShareScaledScorer | undefined;
  if (p.shareWith !== undefined) {
    const other = deps.plugin(p.shareWith);
    if (!(other instanceof ShareScaledScorer)) {
      throw pluginError(
        name,
        shareScaledScorerType,
        `parameters.shareWith: "${p.shareWith}" must name a ${shareScaledScorerType} declared before this plugin (${other ? `"${other.name}" is a ${other.type}` : "no plugin of that name"})`,
      );
    }
    estimator = other.estimator;
    shareFrom = other;
  } else estimator = new OwnShareEstimator(p.minShare, p.shareSmoothing, p.fullShare, p.minSnapshots);
  return new ShareScaledScorer(
    name,
    inner,
    estimator,
    p.scaleSincePush,
    p.scaleLedger,
    p.stalenessGain,
    [p.kvGateFrom, p.kvGateTo],
    shareFrom,
  );
};
