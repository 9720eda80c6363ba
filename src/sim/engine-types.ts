/** The simulated engine's contract: what goes in (requests), what comes out (step results, metrics). */
import type { EngineConfig } from "./config.js";

/**
 * One generation request. Content is given as sizes and block keys, so a benchmark can make
 * millions of synthetic prompts cheaply (`promptFromText` derives both from a text).
 */
export interface EngineRequest {
  /** Unique among the engine's unfinished requests. */
  id: string;
  /** Prompt length in tokens (>= 1). */
  promptTokens: number;
  /** Output tokens to generate; the request finishes after exactly this many (>= 1). */
  maxTokens: number;
  /**
   * Content keys of the successive full blocks (blockSize tokens each) of the prompt, optionally
   * followed by the output: equal keys at the same position after an equal prefix mean equal content.
   * Keys past the prompt describe the generated text; as in vLLM, output blocks are cached once full,
   * so a later prompt that repeats the answer (the next turn of a chat) hits them. A client that knows
   * the answer in advance (a benchmark replaying conversations) passes them. Absent: nothing is shareable.
   */
  prefixKeys?: readonly (number | string)[];
  /** LoRA adapter name; absent: the base model. */
  adapter?: string;
  /**
   * Disaggregated serving: the prompt's KV was computed by a prefill engine and arrives with the
   * request (the caller has waited for the transfer, see `kvTransferMs`). At its first admission the
   * engine allocates the prompt's blocks and computes only the last prompt token (as vLLM's NIXL
   * connector does), then decodes. A preempted request recomputes its prompt locally.
   */
  remotePrefill?: boolean;
  /**
   * vLLM's per-request `priority` (lower = served first; absent = 0). Only an engine with
   * `schedulingPolicy: "priority"` takes a non-zero value; the `fcfs` one refuses it, as vLLM does.
   */
  priority?: number;
}

/**
 * What one step did. Its state changes are applied when the step is planned; its events happen at
 * `endMs`. The object and its arrays are reused by the next `step` call: copy what you keep.
 */
export interface StepResult<R extends EngineRequest = EngineRequest> {
  startMs: number;
  durationMs: number;
  endMs: number;
  /** Tokens computed in the step (decodes + prefill chunks); 0 when there was nothing to do. */
  batchTokens: number;
  /** Requests in the batch. */
  batchSize: number;
  /** Requests that emitted one output token at `endMs` (includes first and last tokens). */
  emitted: R[];
  /** Requests whose first output token this was (their prefill completed in this step). */
  firstToken: R[];
  /** Requests that emitted their last token and left the engine. */
  finished: R[];
  /** Requests preempted while planning this step (KV blocks ran out); they will prefill again. */
  preempted: R[];
}

/** Live and cumulative engine figures, named after vLLM's Prometheus metrics where there is one. */
export interface EngineMetrics {
  /** vllm:num_requests_waiting */
  waitingRequests: number;
  /** vllm:num_requests_running */
  runningRequests: number;
  /** vllm:kv_cache_usage_perc, 0..1: blocks in use by running sequences / numBlocks. */
  kvCacheUsage: number;
  usedBlocks: number;
  numBlocks: number;
  blockSize: number;
  /** Blocks holding a reusable prompt prefix (in use or idle). */
  cachedBlocks: number;
  /** vllm:lora_requests_info running_lora_adapters */
  activeAdapters: string[];
  /** vllm:lora_requests_info waiting_lora_adapters */
  waitingAdapters: string[];
  /** vllm:lora_requests_info max_lora */
  maxAdapters: number;
  /** vllm:prefix_cache_queries (tokens looked up at admission, cumulative). */
  prefixCacheQueries: number;
  /** vllm:prefix_cache_hits (tokens found cached, cumulative). */
  prefixCacheHits: number;
  /** vllm:num_preemptions */
  preemptions: number;
  /** vllm:prompt_tokens (first admissions only; recomputation not counted). */
  promptTokens: number;
  /** vllm:generation_tokens */
  generationTokens: number;
  finishedRequests: number;
  cancelledRequests: number;
  steps: number;
  /** Sum of step durations, ms. */
  busyMs: number;
}

/** A simulated vLLM-like engine; see `createEngine`. */
export interface Engine<R extends EngineRequest = EngineRequest> {
  readonly config: EngineConfig;
  /** Queues a request (FCFS, or by priority under the priority policy); it is looked at by the next step. Throws RouterError BadRequest/NotFound. */
  submit(request: R, now: number): void;
  /** Plans and applies ONE step starting at max(now, end of the previous step). */
  step(now: number): StepResult<R>;
  /**
   * When the next step can start: the end of the last step, or the arrival that woke an idle engine;
   * undefined when there is nothing to do.
   */
  nextStepAt(): number | undefined;
  /** Whether any request is waiting or running. */
  hasWork(): boolean;
  /** The client went away: drops the request and frees its blocks. Returns whether it was there. */
  cancel(id: string): boolean;
  /** Prompt tokens of a running request found in the prefix cache at its first admission (usage.prompt_tokens_details.cached_tokens); 0 when unknown. */
  cachedTokens(id: string): number;
  metrics(): EngineMetrics;
}
