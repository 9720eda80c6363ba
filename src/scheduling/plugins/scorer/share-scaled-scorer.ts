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
 * With sincePushOnly (sincePushView below) the pushed figure stays the base and only what changed
 * since the push is scaled: own dispatches and own completions since that snapshot, / s. The own
 * ledger / s (noisy per endpoint where each router has only a few requests on it) is not used.
 *
 * Parameters: scorer (the inner scorer's plugin name, declared before this one; not listed in the
 * profile itself), minShare (0.05), shareSmoothing (0.05), fullShare (0.9: an estimate from it up counts as 1), scaleSincePush (false), scaleLedger (true), stalenessGain (0), sincePushOnly (false).
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
import { pushedLessOwnCompletions } from "../../pushed-decay.js";
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
  sincePushOnly: z.boolean().default(false),
  queueGate: z.number().min(0).max(1_000).default(0),
  kvGateFrom: z.number().min(0).max(1).default(0),
  kvGateTo: z.number().min(0).max(1).default(0),
});

type MutableEndpoint = { -readonly [K in keyof Endpoint]: Endpoint[K] };
type Metrics = Endpoint["metrics"];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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
  const peers = e.peers ?? { requests: 0, tokens: 0 };
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
  into.inFlight = { requests: e.inFlight.requests / ledger, tokens: e.inFlight.tokens / ledger };
  into.inFlightSincePush = scaleSincePush
    ? {
        requests: peers.requests + (since.requests - peers.requests) / share,
        tokens: peers.tokens + (since.tokens - peers.tokens) / share,
      }
    : { requests: since.requests, tokens: since.tokens };
  into.peers = { requests: peers.requests, tokens: peers.tokens };
  return into;
}

/**
 * `e` as a router sending a share `share` of the traffic estimates everyone's load on it from the
 * last push (sincePushOnly): the pushed waiting + running and KV tokens less the router's own
 * completions since that snapshot / s (pushed-decay.ts on `decay`, a scaled view of `e`), plus the
 * requests sent since: the larger of own + peers' and own / s (with peer sharing the peers' figure
 * is known; without, the others are assumed to have sent as this router did). Written into `into`,
 * whose own ledger equals its since-push part, so the inner scorer's own decay takes nothing off
 * and its max(ledger, pushed) is the pushed estimate.
 */
export function sincePushView(
  e: Endpoint,
  share: number,
  decay: MutableEndpoint,
  into: MutableEndpoint,
  metrics: Mutable<Metrics>,
): Endpoint {
  scaledView(e, share, true, true, decay);
  const m = e.metrics;
  const pushedRequests = m.waitingRequests + m.runningRequests;
  const kvTokens = m.kvCacheUsage * m.numBlocks * m.blockSize;
  const decayed = pushedLessOwnCompletions(decay, pushedRequests, kvTokens);
  const fr = pushedRequests > 0 ? decayed.requests / pushedRequests : 1;
  const ft = kvTokens > 0 ? decayed.tokens / kvTokens : 1;
  Object.assign(metrics, m);
  metrics.waitingRequests = m.waitingRequests * fr;
  metrics.runningRequests = m.runningRequests * fr;
  metrics.kvCacheUsage = m.kvCacheUsage * ft;
  const peers = e.peers ?? { requests: 0, tokens: 0 };
  const since = e.inFlightSincePush;
  const since2 = {
    requests: Math.max(since.requests, (since.requests - peers.requests) / share),
    tokens: Math.max(since.tokens, (since.tokens - peers.tokens) / share),
  };
  scaledView(e, 1, false, false, into);
  into.metrics = metrics;
  into.inFlight = since2;
  into.inFlightSincePush = since2;
  into.peers = { requests: 0, tokens: 0 };
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
  readonly sincePushOnly: boolean;
  readonly queueGate: number;
  /** The scaling fades in as the pushed KV usage (EWMA) goes from kvGate[0] to kvGate[1]; [0, 0] = off. */
  readonly kvGate: readonly [number, number];
  readonly estimator: OwnShareEstimator;
  #views: Endpoint[] = [];
  /**
   * One view per endpoint record, rewritten on every call: state kept per endpoint object (the
   * pushed-completion decay of endpoint-load) follows the view as it would the record.
   */
  readonly #viewOf = new WeakMap<Endpoint, MutableEndpoint>();
  /** sincePushOnly: the scaled view pushed-decay keeps its state on, and the metrics copy, per record. */
  readonly #sinceOf = new WeakMap<Endpoint, { decay: MutableEndpoint; metrics: Metrics }>();

  constructor(
    name: string,
    inner: Scorer,
    estimator: OwnShareEstimator,
    scaleSincePush: boolean,
    scaleLedger = true,
    stalenessGain = 0,
    sincePushOnly = false,
    queueGate = 0,
    kvGate: readonly [number, number] = [0, 0],
  ) {
    this.kvGate = kvGate;
    this.queueGate = queueGate;
    this.sincePushOnly = sincePushOnly;
    this.scaleLedger = scaleLedger;
    this.stalenessGain = stalenessGain;
    this.name = name;
    this.inner = inner;
    this.estimator = estimator;
    this.scaleSincePush = scaleSincePush;
  }

  score(ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    this.estimator.observe(ctx, endpoints);
    let share = this.estimator.share();
    if (share < 1 && this.stalenessGain > 0) {
      let own = 0;
      let since = 0;
      for (const e of endpoints) {
        own += e.inFlight.requests;
        since += e.inFlightSincePush.requests - (e.peers?.requests ?? 0);
      }
      share = staleShare(share, this.stalenessGain, own, since);
    }
    if (share < 1 && this.queueGate > 0) {
      const g = Math.min(1, this.queueGate * this.estimator.queued());
      share = 1 / (1 + (1 / share - 1) * g);
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
    views.length = endpoints.length;
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[i]!;
      let into = this.#viewOf.get(e);
      if (!into) {
        into = {} as MutableEndpoint;
        this.#viewOf.set(e, into);
      }
      if (this.sincePushOnly) {
        let aux = this.#sinceOf.get(e);
        if (!aux) {
          aux = { decay: {} as MutableEndpoint, metrics: { ...e.metrics } };
          this.#sinceOf.set(e, aux);
        }
        views[i] = sincePushView(e, share, aux.decay, into, aux.metrics as Mutable<Metrics>);
      } else views[i] = scaledView(e, share, this.scaleSincePush, this.scaleLedger, into);
    }
    this.inner.score(ctx, req, views, out);
  }
}

export const createShareScaledScorer: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(parametersSchema, name, shareScaledScorerType, parameters);
  const inner = deps.plugin(p.scorer);
  if (!inner || !isScorer(inner) || inner instanceof ShareScaledScorer) {
    throw pluginError(
      name,
      shareScaledScorerType,
      `parameters.scorer: "${p.scorer}" must name a scorer declared before this plugin (${inner ? `"${inner.name}" is a ${inner.type}` : "no plugin of that name"})`,
    );
  }
  return new ShareScaledScorer(
    name,
    inner,
    new OwnShareEstimator(p.minShare, p.shareSmoothing, p.fullShare),
    p.scaleSincePush,
    p.scaleLedger,
    p.stalenessGain,
    p.sincePushOnly,
    p.queueGate,
    [p.kvGateFrom, p.kvGateTo],
  );
};
