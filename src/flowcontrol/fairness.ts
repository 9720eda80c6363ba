/**
 * Fairness policies: which flow of a band dispatches next (upstream plugin names).
 * - `global-strict-fairness-policy` (default): no fairness; the flow whose head the ordering policy
 *   ranks first, as if the band were one queue.
 * - `round-robin-fairness-policy`: flows take turns, one request each.
 * - `program-aware-fairness`: least attained service (LAS) in tokens, output counted 2x input, decayed
 *   with a 60 s half-life; score = 0.8 x service share - 0.2 x head-wait share, lowest first
 *   (upstream's lasWeightService 0.8, lasWeightHeadWait 0.2, lasHalfLifeSeconds 60). Service is
 *   counted at dispatch from the request's estimate (prompt tokens + 2 x expected output tokens).
 */
import type { FairnessPolicyName } from "./config.js";
import { orderedBefore } from "./ordering.js";
import type { Band, Flow, FlowRequest } from "./types.js";

export interface FairnessPolicy {
  readonly name: FairnessPolicyName;
  /** The flow to dispatch from; `band.active` is not empty. */
  pick(band: Band, now: number): Flow;
  /**
   * A request of flow `flowId` was just dispatched (out of its heap; its flow may have left `active`),
   * or went straight through because nothing waited.
   */
  dispatched(band: Band, flowId: string, req: FlowRequest, now: number): void;
  /** Attained service per flow (token policy only), for tests and Explain. */
  service?(flowId: string, now: number): number;
}

const globalStrict: FairnessPolicy = {
  name: "global-strict-fairness-policy",
  pick(band) {
    const active = band.active;
    let best = active[0]!;
    for (let i = 1; i < active.length; i++) {
      const f = active[i]!;
      if (orderedBefore(f.heap.peek()!, best.heap.peek()!)) best = f;
    }
    return best;
  },
  dispatched() {},
};

const roundRobin: FairnessPolicy = {
  name: "round-robin-fairness-policy",
  pick(band) {
    return band.active[0]!;
  },
  dispatched(band, flowId) {
    // The flow that just had its turn goes to the back (if it still has requests).
    const first = band.active[0];
    if (first !== undefined && first.id === flowId) {
      band.active.shift();
      band.active.push(first);
    }
  },
};

/** Upstream's LAS weights. */
const SERVICE_WEIGHT = 0.8;
const HEAD_WAIT_WEIGHT = 0.2;
const HALF_LIFE_MS = 60_000;
const DECAY_PER_MS = Math.LN2 / HALF_LIFE_MS;
/** Flows idle this long are forgotten (upstream evictionTtlSeconds 3600). */
const FORGET_AFTER_MS = 3_600_000;

function programAware(): FairnessPolicy {
  const state = new Map<string, { service: number; at: number }>();
  let sweepAt = 0;
  let serviceOf = new Float64Array(16);
  const decayed = (id: string, now: number): number => {
    const s = state.get(id);
    if (s === undefined) return 0;
    const dt = now - s.at;
    return dt > 0 ? s.service * Math.exp(-dt * DECAY_PER_MS) : s.service;
  };
  return {
    name: "program-aware-fairness",
    pick(band, now) {
      const active = band.active;
      const n = active.length;
      if (n === 1) return active[0]!;
      // One pass for the figures, one for the scores: decay is computed once per flow.
      if (serviceOf.length < n) serviceOf = new Float64Array(2 * n);
      let maxService = 0;
      let maxWait = 0;
      for (let i = 0; i < n; i++) {
        const f = active[i]!;
        const s = decayed(f.id, now);
        serviceOf[i] = s;
        if (s > maxService) maxService = s;
        const w = now - f.heap.peek()!.enqueuedAt;
        if (w > maxWait) maxWait = w;
      }
      const sScale = maxService > 0 ? SERVICE_WEIGHT / maxService : 0;
      const wScale = maxWait > 0 ? HEAD_WAIT_WEIGHT / maxWait : 0;
      let best = active[0]!;
      let bestScore = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const f = active[i]!;
        const head = f.heap.peek()!;
        const score = serviceOf[i]! * sScale - (now - head.enqueuedAt) * wScale;
        if (score < bestScore || (score === bestScore && orderedBefore(head, best.heap.peek()!))) {
          best = f;
          bestScore = score;
        }
      }
      return best;
    },
    dispatched(_band, flowId, req, now) {
      const tokens = req.inputTokens + 2 * req.outputTokens;
      state.set(flowId, { service: decayed(flowId, now) + tokens, at: now });
      if (now - sweepAt > FORGET_AFTER_MS) {
        sweepAt = now;
        for (const [id, s] of state) if (now - s.at > FORGET_AFTER_MS) state.delete(id);
      }
    },
    service: decayed,
  };
}

/** A new instance of a fairness policy (one per band: round-robin and LAS keep per-band state). */
export function createFairnessPolicy(name: FairnessPolicyName): FairnessPolicy {
  switch (name) {
    case "round-robin-fairness-policy":
      return roundRobin;
    case "program-aware-fairness":
      return programAware();
    default:
      return globalStrict;
  }
}
