/** A request inside the engine: its progress and its KV blocks (vLLM's `Request` in the v1 scheduler). */
import type { EngineRequest } from "./engine-types.js";

export type SequenceStatus = "waiting" | "running" | "finished" | "cancelled";

export class Sequence<R extends EngineRequest> {
  readonly request: R;
  /** Chained keys of the prompt's full blocks that have content keys. */
  readonly keys: readonly number[];
  /** KV blocks held, in token order. */
  readonly blocks: number[] = [];
  readonly arrivalMs: number;
  status: SequenceStatus = "waiting";
  /** Tokens whose KV is computed. */
  computed = 0;
  /** Output tokens emitted. */
  output = 0;
  /** Tokens scheduled in the step being planned. */
  scheduled = 0;
  /** Leading blocks already registered in (or taken from) the prefix cache. */
  cachedBlocks = 0;
  /** Prompt tokens served from the prefix cache at the first admission (what the client is told). */
  cachedPromptTokens = 0;
  preemptions = 0;
  /** Submission order in its engine: the last tie-break of the priority policy's queue. */
  readonly order: number;

  constructor(request: R, keys: readonly number[], arrivalMs: number, order = 0) {
    this.request = request;
    this.keys = keys;
    this.arrivalMs = arrivalMs;
    this.order = order;
  }

  /** Tokens the sequence has: prompt + output so far (the KV needed before the next token). */
  get numTokens(): number {
    return this.request.promptTokens + this.output;
  }
}
