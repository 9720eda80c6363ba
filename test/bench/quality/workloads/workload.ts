/**
 * What a benchmark workload is: a seeded stream of requests with arrival times, prompt sizes and
 * the prompt's prefix hashes. The hashes are computed ONCE per prompt with the router's own
 * `hashPrompt(text, model)` (64-character blocks) and handed to the engine as its block content
 * keys too: at 4 characters a token, one 64-character router block is exactly one 16-token KV block,
 * so router and engine describe the same content block by block.
 */
import type { Random } from "../../../../src/core/random.js";
import { hashPrompt } from "../../../../src/scheduling/prefix/prefix-hash.js";
import { charsPerToken } from "../../../../src/sim/index.js";

/** One request of a run. */
export interface BenchRequest {
  /** Virtual arrival time at the router, ms. */
  arrivalMs: number;
  /** Model the router sees (base model or LoRA adapter name). */
  model: string;
  /** LoRA adapter the engine runs; undefined = base model. */
  adapter: string | undefined;
  /** Prompt tokens (= ceil(characters / 4), the router's estimate and the engine's size). */
  promptTokens: number;
  /** Output tokens: the request's max_tokens, generated in full (ignore_eos, as vLLM's benchmark). */
  maxTokens: number;
  /** hashPrompt(text, model): the router's prefix hashes and the engine's block keys. Shared, never mutated. */
  hashes: readonly number[];
  /** The engine's block keys when they run on into a known answer (see RequestContent). */
  engineKeys?: readonly number[];
  /** The prompt text, in parts (the live cross-check sends it). */
  parts: readonly string[];
}

/** The content of one request, before it gets an arrival time. */
export interface RequestContent {
  model: string;
  adapter: string | undefined;
  promptTokens: number;
  maxTokens: number;
  hashes: readonly number[];
  /**
   * The engine's block keys when they differ from the router's prompt hashes: a replayed conversation
   * knows the answer, so its keys run on into the output and the engine caches the answer's blocks.
   */
  engineKeys?: readonly number[];
  parts: readonly string[];
}

/** Draws request contents in order; one instance per run point. */
export type ContentSource = () => RequestContent;

/** A named workload. */
export interface Workload {
  name: string;
  /** One line for the report: distributions and parameters. */
  description: string;
  /** Engine overrides for every replica (e.g. LoRA load time). */
  engine?: { loraLoadMs?: number; maxLoras?: number };
  /**
   * Arrival times in [0, durationMs) at a mean of `qps` when the workload has its own arrival
   * process (bursty); default the run's Poisson or gamma arrivals.
   */
  arrivals?(random: Random, qps: number, durationMs: number): number[];
  /**
   * A content source for a run at `qps` (the same content mix at every rate in the built-in workloads).
   * Deterministic in `random`.
   */
  contents(random: Random, qps: number): ContentSource;
}

/** The base model name the router and engines use. */
export const BASE_MODEL = "llama-2-7b";

/** Content of a text prompt (given as parts, hashed as if concatenated). */
export function contentOf(
  parts: readonly string[],
  model: string,
  adapter: string | undefined,
  maxTokens: number,
): RequestContent {
  let chars = 0;
  for (const p of parts) chars += p.length;
  return {
    model,
    adapter,
    promptTokens: Math.max(1, Math.ceil(chars / charsPerToken)),
    maxTokens,
    hashes: hashPrompt(parts, model),
    parts: parts.slice(),
  };
}
