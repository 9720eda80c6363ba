/**
 * dynamo-kv-cost-picker: the Dynamo KV router's worker cost, re-implemented from its published
 * description for comparison benchmarks. A peer's policy, not a product plugin: registered only in
 * the benchmark's registry (./registry.ts). Lowest cost wins (router temperature 0; ties at random):
 *
 *   cost = overlapScoreWeight x prefill blocks + decode blocks
 *   prefill blocks = request prompt blocks - blocks already cached on the endpoint (overlap)
 *   decode blocks  = the endpoint's active blocks + the request's prompt blocks
 *
 * Blocks are KV blocks of `kvBlockSize` tokens (the endpoint's pushed blockSize when it reports one).
 * Active blocks are what Dynamo tracks locally per request: here the router's own outstanding work
 * on the endpoint (`inFlight.tokens`, prompt + expected output of each request) / kvBlockSize.
 * Overlap comes from a router-side record of the prompts sent to each endpoint (Dynamo's mode
 * without KV events): prefix-index blocks of `blockSize` characters, converted to tokens at 4
 * characters a token. After a committed pick the prompt is recorded for the primary endpoint. It owns
 * that record (PrefixIndexOwner): the scheduler hashes requests with its blockSize and purges the
 * record when endpoints leave.
 *
 * Parameters: overlapScoreWeight (1), kvBlockSize (tokens, 16), blockSize (characters, 64),
 * lruCapacityPerServer (31,250 blocks), maxPrefixBlocksToMatch (256).
 */
import { z } from "zod";
import type { PickObserver } from "../../../src/scheduling/framework/pick-observer.js";
import type { Picker } from "../../../src/scheduling/framework/picker.js";
import {
  type CycleContext,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../../src/scheduling/framework/plugin.js";
import type { PrefixIndexOwner } from "../../../src/scheduling/framework/prefix-index-owner.js";
import type { PrefixIndex, PrefixIndexOptions } from "../../../src/scheduling/prefix-index.js";
import type { SchedulingRequest } from "../../../src/scheduling/types.js";
import type { Endpoint } from "../../../src/state/types.js";

export const dynamoKvCostPickerType = "dynamo-kv-cost-picker";

/** Characters per token when converting cached text blocks to tokens. */
const charsPerToken = 4;

const parametersSchema = z.strictObject({
  overlapScoreWeight: z.number().min(0).max(1_000).default(1),
  kvBlockSize: z.number().int().min(1).max(1_024).default(16),
  blockSize: z.number().int().min(1).max(1_000_000).default(64),
  lruCapacityPerServer: z.number().int().min(1).max(100_000_000).default(31_250),
  maxPrefixBlocksToMatch: z.number().int().min(1).max(100_000).default(256),
});

/** The policy's parameters (Dynamo router names, camel-cased). */
export type DynamoKvCostParameters = z.output<typeof parametersSchema>;

export class DynamoKvCostPicker implements Picker, PickObserver, PrefixIndexOwner {
  readonly type = dynamoKvCostPickerType;
  readonly name: string;
  readonly maxNumOfEndpoints = 1;
  readonly usesScores = false;
  readonly params: DynamoKvCostParameters;
  readonly prefixIndex: PrefixIndex;
  readonly prefixHashing: PrefixIndexOptions;
  #addresses: string[] = [];

  constructor(name: string, params: DynamoKvCostParameters, index: PrefixIndex) {
    this.name = name;
    this.params = params;
    this.prefixIndex = index;
    this.prefixHashing = {
      blockSize: params.blockSize,
      maxPrefixBlocksToMatch: params.maxPrefixBlocksToMatch,
      lruCapacityPerServer: params.lruCapacityPerServer,
    };
  }

  /** The cost of sending `req` to `e` given `overlapBlocks` prefix-index blocks already cached there. */
  cost(e: Endpoint, req: SchedulingRequest, overlapBlocks: number): number {
    const kvBlock = e.metrics.blockSize > 0 ? e.metrics.blockSize : this.params.kvBlockSize;
    const promptBlocks = req.promptTokens / kvBlock;
    const cachedTokens = Math.min(req.promptTokens, (overlapBlocks * this.params.blockSize) / charsPerToken);
    const prefillBlocks = (req.promptTokens - cachedTokens) / kvBlock;
    const decodeBlocks = e.inFlight.tokens / kvBlock + promptBlocks;
    return this.params.overlapScoreWeight * prefillBlocks + decodeBlocks;
  }

  pick(ctx: CycleContext, req: SchedulingRequest, endpoints: readonly Endpoint[]): Endpoint[] {
    const n = endpoints.length;
    const addresses = this.#addresses;
    addresses.length = n;
    for (let i = 0; i < n; i++) addresses[i] = endpoints[i]!.address;
    const matches =
      req.prefixHashes.length > 0 ? this.prefixIndex.matchLengths(req.prefixHashes, addresses) : undefined;
    let best = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    let ties = 0;
    for (let i = 0; i < n; i++) {
      const c = this.cost(endpoints[i]!, req, matches?.get(addresses[i]!) ?? 0);
      if (c < bestCost) {
        bestCost = c;
        best = i;
        ties = 1;
      } else if (c === bestCost && ctx.random.next() * ++ties < 1) {
        best = i;
      }
    }
    return [endpoints[best]!];
  }

  onPicked(_ctx: CycleContext, req: SchedulingRequest, picked: readonly Endpoint[]): void {
    if (req.prefixHashes.length > 0) this.prefixIndex.record(picked[0]!.address, req.prefixHashes);
  }
}

export const createDynamoKvCostPicker: PluginFactory = (name, parameters, deps) => {
  const p = parsePluginParameters(parametersSchema, name, dynamoKvCostPickerType, parameters);
  if (!deps.prefixIndexFactory)
    throw pluginError(name, dynamoKvCostPickerType, "needs a prefix index factory");
  const index = deps.prefixIndexFactory({
    blockSize: p.blockSize,
    maxPrefixBlocksToMatch: p.maxPrefixBlocksToMatch,
    lruCapacityPerServer: p.lruCapacityPerServer,
  });
  return new DynamoKvCostPicker(name, p, index);
};
