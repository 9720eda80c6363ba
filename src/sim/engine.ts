/**
 * A vLLM-like model-server engine in virtual time: continuous batching with chunked prefill, a
 * paged KV cache with automatic prefix caching and preemption by recomputation, LoRA slots, and a
 * roofline step time. Pure: no clock and no randomness of its own; the driver passes times in and
 * the randomness (only used for `stepJitter`) is injected.
 */
import { RouterError } from "../core/errors.js";
import { createSeededRandom, type Random } from "../core/random.js";
import { type EngineOptions, resolveEngineConfig } from "./config.js";
import { createEngineState } from "./engine-state.js";
import type { Engine, EngineMetrics, EngineRequest } from "./engine-types.js";
import { chainBlockKeys } from "./prefix-keys.js";
import { runStep } from "./schedule-step.js";
import { Sequence } from "./sequence.js";

/** What the engine gets from its host. */
export interface EngineDeps {
  /** Randomness for step jitter. Default: `createSeededRandom(0)`. */
  random?: Random;
}

/**
 * Creates an engine. A driver submits arrivals and steps it:
 *
 * @example
 * const engine = createEngine({ preset: "llama2-7b-h100" }, { random: createSeededRandom(1) });
 * engine.submit({ id: "a", promptTokens: 160, maxTokens: 340 }, 0);
 * let t = 0;
 * while (engine.hasWork()) {
 *   const r = engine.step(t);
 *   t = r.endMs; // deliver r.emitted / r.firstToken / r.finished at t
 * }
 */
export function createEngine<R extends EngineRequest = EngineRequest>(
  options: EngineOptions = {},
  deps: EngineDeps = {},
): Engine<R> {
  const config = resolveEngineConfig(options);
  const s = createEngineState<R>(config, deps.random ?? createSeededRandom(0));

  const hasWork = (): boolean => s.running.length > 0 || s.waitingCount > 0;

  function submit(request: R, now: number): void {
    const { id, promptTokens, maxTokens, adapter } = request;
    if (s.byId.has(id)) throw new RouterError("BadRequest", `request ${id}: id already in the engine`, "id");
    if (!Number.isInteger(promptTokens) || promptTokens < 1) {
      throw new RouterError(
        "BadRequest",
        `request ${id}: promptTokens ${promptTokens} is not an integer >= 1`,
        "promptTokens",
      );
    }
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new RouterError(
        "BadRequest",
        `request ${id}: maxTokens ${maxTokens} is not an integer >= 1`,
        "maxTokens",
      );
    }
    if (promptTokens + maxTokens > config.maxModelLen) {
      throw new RouterError(
        "BadRequest",
        `request ${id}: this model's maximum context length is ${config.maxModelLen} tokens, but ${promptTokens + maxTokens} were requested (${promptTokens} prompt + ${maxTokens} output)`,
        "maxTokens",
      );
    }
    const priority = request.priority ?? 0;
    if (!Number.isSafeInteger(priority)) {
      throw new RouterError(
        "BadRequest",
        `request ${id}: priority ${priority} is not an integer`,
        "priority",
      );
    }
    if (priority !== 0 && config.schedulingPolicy === "fcfs") {
      // vLLM's answer (400): a priority needs `--scheduling-policy priority`.
      throw new RouterError(
        "BadRequest",
        `request ${id}: got priority ${priority} but priority scheduling is not enabled (schedulingPolicy fcfs)`,
        "priority",
      );
    }
    if (adapter !== undefined && config.maxLoras === 0) {
      throw new RouterError(
        "NotFound",
        `request ${id}: LoRA adapter ${adapter}: LoRA is disabled (maxLoras 0)`,
        "adapter",
      );
    }
    // Keys may run past the prompt into the output (cached as decode fills each block).
    const fullBlocks = Math.floor((promptTokens + maxTokens) / config.blockSize);
    const keys = request.prefixKeys;
    const chained = keys ? chainBlockKeys(keys, Math.min(keys.length, fullBlocks), adapter) : [];
    const seq = new Sequence(request, chained, now, s.submitted++);
    // An idle engine starts its next step at this arrival, not at the end of its last step.
    if (!hasWork()) s.busyUntil = Math.max(s.busyUntil, now);
    s.byId.set(id, seq);
    s.waiting.pushBack(seq);
    s.waitingCount++;
    s.lora.addWaiting(adapter);
  }

  function cancel(id: string): boolean {
    const seq = s.byId.get(id);
    if (seq === undefined) return false;
    s.byId.delete(id);
    const adapter = seq.request.adapter;
    if (seq.status === "waiting") {
      s.waitingCount--;
      s.lora.removeWaiting(adapter);
      if (s.waitingCount === 0) s.waiting.clear();
    } else {
      s.pool.release(seq.blocks);
      seq.blocks.length = 0;
      s.lora.stop(adapter);
      s.running.splice(s.running.indexOf(seq), 1);
    }
    seq.status = "cancelled";
    s.stats.cancelledRequests++;
    return true;
  }

  function metrics(): EngineMetrics {
    const { pool, lora } = s;
    return {
      waitingRequests: s.waitingCount,
      runningRequests: s.running.length,
      kvCacheUsage: pool.usedBlocks / pool.numBlocks,
      usedBlocks: pool.usedBlocks,
      numBlocks: pool.numBlocks,
      blockSize: config.blockSize,
      cachedBlocks: pool.cachedBlocks,
      activeAdapters: lora.runningAdapters(),
      waitingAdapters: lora.waitingAdapters(),
      maxAdapters: config.maxLoras,
      ...s.stats,
    };
  }

  return {
    config,
    submit,
    cancel,
    cachedTokens: (id) => s.byId.get(id)?.cachedPromptTokens ?? 0,
    metrics,
    hasWork,
    step: (now) => runStep(s, now),
    nextStepAt: () => (hasWork() ? s.busyUntil : undefined),
  };
}
