/**
 * Builds the scheduler's input for one request from the parsed body and the model resolution: token
 * estimates and the prompt's prefix hashes (seeded by the target model, since the KV cache is per model).
 */
import { hashPrompt, type PromptHashOptions } from "../scheduling/prefix/prefix-hash.js";
import type { SchedulingRequest } from "../scheduling/types.js";
import type { ParsedBody } from "./parse-body.js";
import type { ModelResolution } from "./resolve-model.js";

/**
 * Output tokens assumed when a generating request sets no limit. Engines default to "until the context
 * is full", which would make every such request look huge to the token-load scorer; 256 is a typical
 * chat answer (the ShareGPT-like benchmark mix has a median output of ~200 tokens). Embeddings: 0.
 */
export const DEFAULT_MAX_TOKENS = 256;

/** Characters per token for the prompt estimate (the usual English average for BPE tokenizers). */
export const CHARS_PER_TOKEN = 4;

/** Inputs of {@link buildSchedulingRequest}. */
export interface SchedulingRequestInput {
  requestId: string;
  parsed: ParsedBody;
  resolution: ModelResolution;
  /** Subset hint (ip:port list) from ext_proc metadata; undefined = none. */
  subset?: readonly string[];
  /**
   * Block size and cap of the prefix hashes: the scheduler's `prefixIndexOptions`, which every plugin
   * owning a prefix index shares (the scheduler refuses a config where they differ), so one hashing
   * per request serves them all. Default: 64-character blocks, at most 256.
   */
  hashing?: PromptHashOptions;
  /** Output tokens when the body sets none. Default {@link DEFAULT_MAX_TOKENS}. */
  defaultMaxTokens?: number;
}

/** Estimated prompt tokens: characters / 4, rounded up. */
export function estimatePromptTokens(promptChars: number): number {
  return Math.ceil(promptChars / CHARS_PER_TOKEN);
}

/**
 * @example
 * const req = buildSchedulingRequest({ requestId, parsed, resolution, subset });
 * scheduler.schedule(pool, req);
 */
export function buildSchedulingRequest(input: SchedulingRequestInput): SchedulingRequest {
  const { parsed, resolution } = input;
  const fallback = parsed.api === "embeddings" ? 0 : (input.defaultMaxTokens ?? DEFAULT_MAX_TOKENS);
  const request: SchedulingRequest = {
    requestId: input.requestId,
    targetModel: resolution.targetModel,
    priority: resolution.priority,
    promptTokens: estimatePromptTokens(parsed.promptChars),
    maxTokens: parsed.maxTokens ?? fallback,
    prefixHashes: hashPrompt(parsed.promptParts, resolution.targetModel, input.hashing),
  };
  if (input.subset !== undefined) request.subset = input.subset;
  return request;
}
