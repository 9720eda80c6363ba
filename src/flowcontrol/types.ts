/** What flow control queues, and the pieces its policies see. */
import type { IndexedHeap } from "./indexed-heap.js";

/** One request as flow control sees it (built once by the router core). */
export interface FlowRequest {
  /** Pool the request waits for (each pool has its own queues). */
  pool: string;
  /** Fairness id (`x-llm-d-inference-fairness-id` / `x-gateway-inference-fairness-id`, default `default-flow`). */
  flowId: string;
  /** Band: the objective's priority (negative = sheddable). */
  priority: number;
  /** Request body bytes (capacity limits). */
  bytes: number;
  /** Estimated prompt tokens and expected output tokens (token fairness). */
  inputTokens: number;
  outputTokens: number;
  /** `x-llm-d-slo-ttft-ms`: TTFT objective, ms; undefined = none (slo-deadline orders it last). */
  sloTtftMs?: number | undefined;
  /** Metric labels. */
  model?: string;
  targetModel?: string;
}

/** How a request left flow control (upstream's QueueOutcome names; the metrics' `outcome` label). */
export type QueueOutcome =
  | "Dispatched"
  | "RejectedCapacity"
  | "RejectedNoEndpoints"
  | "RejectedOther"
  | "EvictedTTL"
  | "EvictedNoEndpoints"
  | "EvictedContextCancelled";

/** A queued request. Internal to flow control; policies read it. */
export interface QueuedItem {
  readonly req: FlowRequest;
  /** Arrival order (ties in every ordering). */
  readonly seq: number;
  /** Clock ms when it was queued. */
  readonly enqueuedAt: number;
  /** Clock ms at which it expires; Infinity = never. */
  readonly expiresAt: number;
  /** The ordering policy's key (lower = sooner); ties broken by `seq`. */
  key: number;
  /** Position in its flow's heap (-1 = not there). */
  flowIndex: number;
  /** Position in the expiry heap (-1 = not there). */
  expiryIndex: number;
  flow: Flow;
  /** Runs the scheduler at dispatch time; its value (or throw) settles the request. */
  readonly dispatch: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One fairness id's queue inside a band. */
export interface Flow {
  readonly id: string;
  readonly band: Band;
  readonly heap: IndexedHeap<QueuedItem>;
}

/** One priority band of one pool. */
export interface Band {
  readonly priority: number;
  /** Flows with queued requests, in arrival order of their first request (round-robin rotates it). */
  readonly active: Flow[];
  readonly flows: Map<string, Flow>;
  requests: number;
  bytes: number;
}
