/**
 * active-request-scorer (upstream name and parameters): fewer requests on the endpoint = higher score.
 *
 *   count = outstandingRequests(e): max(router's own outstanding requests,
 *           pushed waiting + running + the router's requests sent since that push)
 *   score = 1                                           when count <= idleThreshold
 *         = maxBusyScore x (maxCount - count) / maxCount  otherwise (maxCount over the candidates)
 *
 * Upstream counts only the router's own requests; folding in the pushed figures lets several router
 * replicas see each other's work. The request count is the binding resource on an engine whose
 * sequence slots (max_num_seqs) fill before its KV cache: a token balance would call a replica with
 * several short requests light while every slot is taken. Parameters: idleThreshold (0),
 * maxBusyScore (1.0).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { decayedOutstandingRequests, outstandingRequests } from "../../endpoint-load.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { Scorer } from "../../framework/scorer.js";
import type { SchedulingRequest } from "../../types.js";

export const activeRequestScorerType = "active-request-scorer";

const parametersSchema = z.strictObject({
  idleThreshold: z.number().int().min(0).max(1_000_000).default(0),
  maxBusyScore: z.number().min(0).max(1).default(1),
  decayPushed: z.boolean().default(false),
});

export class ActiveRequestScorer implements Scorer {
  readonly type = activeRequestScorerType;
  readonly name: string;
  readonly idleThreshold: number;
  readonly maxBusyScore: number;
  readonly decayPushed: boolean;

  constructor(name = activeRequestScorerType, idleThreshold = 0, maxBusyScore = 1, decayPushed = false) {
    this.name = name;
    this.idleThreshold = idleThreshold;
    this.maxBusyScore = maxBusyScore;
    this.decayPushed = decayPushed;
  }

  score(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    endpoints: readonly Endpoint[],
    out: Float64Array,
  ): void {
    const n = endpoints.length;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const c = this.decayPushed
        ? decayedOutstandingRequests(endpoints[i]!)
        : outstandingRequests(endpoints[i]!);
      out[i] = c;
      if (c > max) max = c;
    }
    for (let i = 0; i < n; i++) {
      const c = out[i]!;
      out[i] = c <= this.idleThreshold ? 1 : (this.maxBusyScore * (max - c)) / max;
    }
  }
}

export const createActiveRequestScorer: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, activeRequestScorerType, parameters);
  return new ActiveRequestScorer(name, p.idleThreshold, p.maxBusyScore, p.decayPushed);
};
