/**
 * share-sampled-picker (ours): near-max-score-picker over a random sample of the candidates, the
 * sample sized by the share of the pool's traffic this router replica can see.
 *
 * Why: several router replicas, each seeing only its own in-flight and a pushed state up to a push
 * interval old, all take the argmax of the same stale view and herd onto the endpoint the last push
 * showed idle (Mitzenmacher, "How useful is old information?": the best of a few random candidates
 * is robust to stale information where the best of all is not). One router that sees all of its
 * traffic keeps the full greedy choice.
 *
 * The formula (pinned by test/scheduling/plugins/picker/share-sampled-picker.test.ts):
 * - own share s: the router's share of the pool's traffic, estimated from pushes (../scorer/own-share.ts,
 *   smoothing `shareSmoothing`, at least `minShare`);
 * - visible share v of what was sent since the pushes: the router's own since-push requests are a
 *   share s of everyone's, so everyone's is own / s; what it sees is own + the peers' reported
 *   since-push requests (serve --peers): v = min(1, (own + peers) x s / own); with nothing own sent
 *   since the pushes, v = 1 when peers reported any, else s;
 * - sample size d = clamp(ceil(n x v), minSampleSize, n) endpoints drawn at random without
 *   replacement; the primary is drawn uniformly among the sample's totals within `epsilon` of the
 *   sample's best (near-max-score-picker's rule); fallbacks follow by total, highest first.
 * Parameters: maxNumOfEndpoints (1), epsilon (0.02), minSampleSize (2), minShare (0.05),
 * shareSmoothing (0.05), fullShare (0.9: an estimate from it up counts as 1).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { defaultMaxNumOfEndpoints, type Picker } from "../../framework/picker.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";
import { OwnShareEstimator } from "../scorer/own-share.js";
import { TopK } from "./top-k.js";

export const shareSampledPickerType = "share-sampled-picker";

const parametersSchema = z.strictObject({
  maxNumOfEndpoints: z.number().int().min(1).max(100).default(defaultMaxNumOfEndpoints),
  epsilon: z.number().min(0).max(1).default(0.02),
  minSampleSize: z.number().int().min(1).max(100).default(2),
  minShare: z.number().min(0.001).max(1).default(0.05),
  shareSmoothing: z.number().gt(0).max(1).default(0.05),
  fullShare: z.number().gt(0).max(1).default(0.9),
});

export type ShareSampledPickerParameters = z.output<typeof parametersSchema>;

/** The visible share v from the own share s and the since-push request counts (see the file comment). */
export function visibleShare(ownShare: number, ownSincePush: number, peersSincePush: number): number {
  if (ownSincePush <= 0) return peersSincePush > 0 ? 1 : ownShare;
  return Math.min(1, ((ownSincePush + peersSincePush) * ownShare) / ownSincePush);
}

/** Endpoints sampled out of n for a visible share v. */
export function sampleSize(n: number, visible: number, minSampleSize: number): number {
  return Math.max(Math.min(minSampleSize, n), Math.min(n, Math.ceil(n * visible - 1e-9)));
}

export class ShareSampledPicker implements Picker {
  readonly type = shareSampledPickerType;
  readonly name: string;
  readonly maxNumOfEndpoints: number;
  readonly usesScores = true;
  readonly p: ShareSampledPickerParameters;
  readonly #top: TopK;
  readonly #share: OwnShareEstimator;
  #order = new Int32Array(16);
  #vals = new Float64Array(16);

  constructor(name: string, p: ShareSampledPickerParameters) {
    this.name = name;
    this.p = p;
    this.maxNumOfEndpoints = p.maxNumOfEndpoints;
    this.#top = new TopK(p.maxNumOfEndpoints);
    this.#share = new OwnShareEstimator(p.minShare, p.shareSmoothing, p.fullShare);
  }

  /** The own share s as estimated so far (own-share.ts). */
  ownShare(): number {
    return this.#share.share();
  }

  pick(
    ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    totals: Float64Array,
  ): Endpoint[] {
    const n = endpoints.length;
    this.#share.observe(ctx, endpoints);
    let own = 0;
    let peers = 0;
    for (const e of endpoints) {
      const p = e.peers?.requests ?? 0;
      peers += p;
      own += e.inFlightSincePush.requests - p;
    }
    const d = sampleSize(n, visibleShare(this.ownShare(), own, peers), this.p.minSampleSize);
    if (this.#order.length < n) this.#order = new Int32Array(n * 2);
    const order = this.#order;
    for (let i = 0; i < n; i++) order[i] = i;
    // Partial Fisher-Yates: order[0..d) is a uniform sample without replacement.
    if (d < n) {
      for (let k = 0; k < d; k++) {
        const j = k + Math.floor(ctx.random.next() * (n - k));
        const t = order[k]!;
        order[k] = order[j]!;
        order[j] = t;
      }
    }
    let best = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < d; k++) best = Math.max(best, totals[order[k]!]!);
    const floor = best - Math.abs(best) * this.p.epsilon;
    let chosen = order[0]!;
    let seen = 0;
    for (let k = 0; k < d; k++) {
      const i = order[k]!;
      if (totals[i]! >= floor && ctx.random.next() * ++seen < 1) chosen = i;
    }
    if (this.maxNumOfEndpoints === 1) return [endpoints[chosen]!];
    if (this.#vals.length < n) this.#vals = new Float64Array(n * 2);
    const vals = this.#vals;
    for (let i = 0; i < n; i++) vals[i] = totals[i]!;
    vals[chosen] = Number.POSITIVE_INFINITY;
    return this.#top.highest(endpoints, vals, ctx.random);
  }
}

export const createShareSampledPicker: PluginFactory = (name, parameters) =>
  new ShareSampledPicker(
    name,
    parsePluginParameters(parametersSchema, name, shareSampledPickerType, parameters),
  );
