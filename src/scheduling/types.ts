/**
 * What the scheduler is asked and what it answers. The request is built once per LLM request by
 * src/request; the scheduler never parses bodies itself.
 */

import type { Lease } from "../state/in-flight.js";
import type { Endpoint } from "../state/types.js";
import type { DisaggDecisionType } from "./framework/profile-handler.js";

/** One request as the scheduler sees it. */
export interface SchedulingRequest {
  requestId: string;
  /** Model name sent to the engine after resolution (base model or LoRA adapter name). */
  targetModel: string;
  /** Priority from the objective; negative = sheddable. */
  priority: number;
  /** Estimated prompt tokens (chars/4) and expected output tokens (max_tokens or a default). */
  promptTokens: number;
  maxTokens: number;
  /** Chained block hashes of the prompt (prefix-cache index keys), computed once per request; may be empty. */
  prefixHashes: readonly number[];
  /** Subset hint: only endpoints whose IP is in this list (undefined = no hint). */
  subset?: readonly string[];
  /** Latency objectives from x-llm-d-slo-ttft-ms / x-llm-d-slo-tpot-ms (cost-aware-filter reads them). */
  slo?: { ttftMs?: number; tpotMs?: number };
}

/** The scheduler's answer for one request. */
export interface SchedulingResult {
  /** Name of the profile whose pick is the answer. */
  profile: string;
  /** Ordered: primary first, then fallbacks (at most the picker's `maxNumOfEndpoints`). */
  endpoints: Endpoint[];
  /** Weighted total score of each endpoint in `endpoints` (same order); absent for pickers that ignore scores. */
  scores?: number[];
  /**
   * In-flight lease on `endpoints[0]`, taken by a non-dry-run `schedule`. The caller releases it when
   * the request ends. On failover to a fallback, release it and take a new one with
   * `PoolStore.acquire(pool, fallback.address, tokens)`. Undefined for dry runs, or when the endpoint
   * vanished between pick and lease.
   */
  lease?: Lease;
  /** Pool utilization seen by the saturation detector (mean, >= 1 = saturated). */
  saturation: number;
  /**
   * Disaggregated serving (disagg-profile-handler): the endpoint that runs the prefill, sent to the
   * decode endpoint (`endpoints[0]`) in x-prefiller-host-port. Absent = decode-only.
   */
  prefill?: PrefillPick;
  /** Upstream's disagg_decision_total decision type, when a disaggregating handler ran. */
  disaggregation?: DisaggDecisionType;
}

/** The prefill half of a disaggregated pick. */
export interface PrefillPick {
  /** The prefill profile's name. */
  profile: string;
  endpoint: Endpoint;
  /**
   * In-flight lease on the prefill endpoint (prompt tokens), taken by a non-dry-run `schedule`;
   * released with the decode lease (the router does not see when the KV transfer ends).
   */
  lease?: Lease;
}

/** Options of one `schedule` call. */
export interface ScheduleOptions {
  /** No lease, no prefix-index record, no metrics: a pure "what would you pick". Default false. */
  dryRun?: boolean;
  /**
   * Flow control admitted the request (it waited for room, src/flowcontrol/): the saturation check
   * that sheds sheddable requests is skipped. Default false.
   */
  flowControlled?: boolean;
}
