/** What one simulated replica holds: its engine loop, served models, faults and latency histograms. */
import type { Random } from "../../src/core/random.js";
import type { SimRole } from "../../src/sim/disagg.js";
import type { FaultKnobs } from "../../src/sim/fault-plan.js";
import { e2eBuckets, LatencyHistogram, tpotBuckets, ttftBuckets } from "../../src/sim/latency-histogram.js";
import type { RealtimeEngine } from "./realtime-engine.js";

export interface ReplicaState {
  index: number;
  /** "ip:port" as advertised. */
  address: string;
  rt: RealtimeEngine;
  /** Name in metrics labels and /v1/models' first entry. */
  modelName: string;
  /** Base models served; undefined = any model name. */
  models: readonly string[] | undefined;
  /** Model names that are LoRA adapters (use the engine's adapter slots). */
  adapters: ReadonlySet<string>;
  faults: FaultKnobs;
  random: Random;
  /** Output tokens when the request sets no max_tokens. */
  defaultMaxTokens: number;
  /** Upper bound on output tokens per request. */
  maxTokensCap: number;
  /** Wall-clock ms (Date.now) when slow start ends. */
  readyAt: number;
  ttft: LatencyHistogram;
  tpot: LatencyHistogram;
  e2e: LatencyHistogram;
  nextId: number;
  /** Wall-clock ms when the replica's removal push was taken (--replica-schedule); undefined while it serves. */
  removedAt?: number;
  /** Requests that arrived after the removal push (a router that still sends here is wrong). */
  requestsAfterRemoval: number;
  /** Disaggregated serving: this replica's role (pushed as llm-d.ai/role) and the KV link to prefillers. */
  role: SimRole;
  kvLinkBytesPerSec: number;
  /** Wall ms per virtual ms (the KV transfer wait is scaled by it too). */
  timeScale: number;
  /** Requests this replica decoded after a remote prefill, and prompts it prefilled for others. */
  pd: { remotePrefills: number; prefillFallbacks: number };
}

/** Whether the replica has finished its (simulated) start-up. */
export function isReady(s: ReplicaState): boolean {
  return Date.now() >= s.readyAt;
}

/** Fresh vLLM-bucketed latency histograms. */
export function newHistograms(): Pick<ReplicaState, "ttft" | "tpot" | "e2e"> {
  return {
    ttft: new LatencyHistogram(ttftBuckets),
    tpot: new LatencyHistogram(tpotBuckets),
    e2e: new LatencyHistogram(e2eBuckets),
  };
}
