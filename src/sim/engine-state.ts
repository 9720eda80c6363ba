/** The mutable state one engine's step and API functions share (internal to src/sim). */
import type { Random } from "../core/random.js";
import { BlockPool } from "./block-pool.js";
import type { EngineConfig } from "./config.js";
import type { EngineRequest, StepResult } from "./engine-types.js";
import { LoraSlots } from "./lora.js";
import { createRoofline, type StepTimeFn } from "./roofline.js";
import type { Sequence } from "./sequence.js";
import { createWaitingQueue, type WaitingQueue } from "./waiting-queue.js";

export interface EngineStats {
  prefixCacheQueries: number;
  prefixCacheHits: number;
  preemptions: number;
  promptTokens: number;
  generationTokens: number;
  finishedRequests: number;
  cancelledRequests: number;
  steps: number;
  busyMs: number;
}

export interface EngineState<R extends EngineRequest> {
  readonly config: EngineConfig;
  readonly pool: BlockPool;
  readonly lora: LoraSlots;
  readonly stepMs: StepTimeFn;
  readonly random: Random;
  /** FCFS deque or priority heap; may hold cancelled sequences, dropped lazily when they reach the front. */
  readonly waiting: WaitingQueue<Sequence<R>>;
  /** Sequences submitted so far (the priority queue's last tie-break). */
  submitted: number;
  /** Live (not cancelled) sequences in `waiting`. */
  waitingCount: number;
  /** Admission order: the newest is last and is the first to be preempted. */
  readonly running: Sequence<R>[];
  readonly byId: Map<string, Sequence<R>>;
  readonly stats: EngineStats;
  /** End of the last step. */
  busyUntil: number;
  // Scratch space reused by every step, so steps do not allocate.
  readonly scheduled: Sequence<R>[];
  readonly skipped: Sequence<R>[];
  readonly hits: number[];
  readonly result: StepResult<R>;
}

export function createEngineState<R extends EngineRequest>(
  config: EngineConfig,
  random: Random,
): EngineState<R> {
  return {
    config,
    pool: new BlockPool(config.numBlocks),
    lora: new LoraSlots(config.maxLoras, config.loraLoadMs),
    stepMs: createRoofline(config),
    random,
    waiting: createWaitingQueue<R>(config.schedulingPolicy),
    submitted: 0,
    waitingCount: 0,
    running: [],
    byId: new Map(),
    stats: {
      prefixCacheQueries: 0,
      prefixCacheHits: 0,
      preemptions: 0,
      promptTokens: 0,
      generationTokens: 0,
      finishedRequests: 0,
      cancelledRequests: 0,
      steps: 0,
      busyMs: 0,
    },
    busyUntil: Number.NEGATIVE_INFINITY,
    scheduled: [],
    skipped: [],
    hits: [],
    result: {
      startMs: 0,
      durationMs: 0,
      endMs: 0,
      batchTokens: 0,
      batchSize: 0,
      emitted: [],
      firstToken: [],
      finished: [],
      preempted: [],
    },
  };
}
