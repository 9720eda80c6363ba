/**
 * kv-headroom-filter (ours): keeps the endpoints whose KV cache has room for the request's prompt
 * now, when at least one has; otherwise keeps every endpoint.
 *
 *   capacity(e) = pushed numBlocks x blockSize (0 = not reported: the endpoint is kept)
 *   used(e)     = pushed KV usage x capacity + tokens of the router's requests sent since that push
 *   keep e when capacity(e) = 0 or used(e) + promptTokens <= maxKvFill x capacity(e)
 *
 * On a KV-bound engine a request sent to a full endpoint waits for blocks (or preempts the newest
 * running request) while another endpoint could start it at once; a prefix hit there saves a
 * prefill but costs a queue. Placed first, it keeps prefix affinity and every scorer off endpoints
 * that cannot take the request now. Parameter: maxKvFill (1.0).
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { effectiveTokens } from "../../endpoint-load.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const kvHeadroomFilterType = "kv-headroom-filter";

const parametersSchema = z.strictObject({
  maxKvFill: z.number().min(0.01).max(10).default(1),
});

/** Whether `e` has KV room for `promptTokens` more (true when it reports no KV geometry). */
export function hasKvHeadroom(e: Endpoint, promptTokens: number, maxKvFill: number): boolean {
  const capacity = e.metrics.numBlocks * e.metrics.blockSize;
  return capacity <= 0 || effectiveTokens(e) + promptTokens <= maxKvFill * capacity;
}

export class KvHeadroomFilter implements Filter {
  readonly type = kvHeadroomFilterType;
  readonly name: string;
  readonly maxKvFill: number;

  constructor(name = kvHeadroomFilterType, maxKvFill = 1) {
    this.name = name;
    this.maxKvFill = maxKvFill;
  }

  filter(_ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const n = endpoints.length;
    let fit = 0;
    for (let i = 0; i < n; i++) if (hasKvHeadroom(endpoints[i]!, req.promptTokens, this.maxKvFill)) fit++;
    if (fit === n || fit === 0) return endpoints;
    const out: Endpoint[] = [];
    for (let i = 0; i < n; i++) {
      const e = endpoints[i]!;
      if (hasKvHeadroom(e, req.promptTokens, this.maxKvFill)) out.push(e);
    }
    return out;
  }
}

export const createKvHeadroomFilter: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(parametersSchema, name, kvHeadroomFilterType, parameters);
  return new KvHeadroomFilter(name, p.maxKvFill);
};
