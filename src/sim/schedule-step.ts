/**
 * One engine step, after vLLM's v1 scheduler: running sequences first (oldest first; one decode token
 * each, or the next prefill chunk), preempting a running sequence whenever the KV blocks run out (fcfs:
 * the NEWEST; priority: the highest (priority, arrival), handing back its budget if it was already
 * scheduled in this step); then, if nothing was preempted, waiting sequences in queue order (fcfs:
 * arrival; priority: priority then arrival) while the token budget, the
 * sequence limit, the LoRA slots and the free blocks allow (prefix-cache hits are shared, not
 * recomputed). The step's duration comes from the roofline; tokens are emitted at its end.
 * Cost: O(scheduled sequences + prompt blocks of admitted ones); no allocation per token.
 */

import type { EngineState } from "./engine-state.js";
import type { EngineRequest, StepResult } from "./engine-types.js";
import type { Sequence } from "./sequence.js";
import { preemptionVictim } from "./waiting-queue.js";

export function runStep<R extends EngineRequest>(s: EngineState<R>, now: number): StepResult<R> {
  const { pool, config, running, scheduled, result: res } = s;
  const bs = config.blockSize;
  res.emitted.length = 0;
  res.firstToken.length = 0;
  res.finished.length = 0;
  res.preempted.length = 0;
  scheduled.length = 0;
  const start = Math.max(now, s.busyUntil);
  let budget = config.maxNumBatchedTokens;
  let preempted = false;

  for (let i = 0; i < running.length && budget > 0; i++) {
    const seq = running[i]!;
    const n = Math.min(seq.numTokens - seq.computed, budget);
    const need = Math.ceil((seq.computed + n) / bs) - seq.blocks.length;
    let self = false;
    while (need > pool.freeBlocks) {
      const v = preemptionVictim(running, config.schedulingPolicy);
      const victim = running[v]!;
      running.splice(v, 1);
      if (v < i) {
        // Already scheduled in this step (priority policy only): its tokens go back to the budget.
        budget += victim.scheduled;
        scheduled.splice(scheduled.indexOf(victim), 1);
        i--;
      }
      preempt(s, victim);
      preempted = true;
      if (victim === seq) {
        self = true;
        break;
      }
    }
    if (self) break;
    for (let k = 0; k < need; k++) seq.blocks.push(pool.allocate());
    seq.scheduled = n;
    budget -= n;
    scheduled.push(seq);
  }
  const loadMs = preempted ? 0 : admitWaiting(s, budget);

  let batchTokens = 0;
  let contextTokens = 0;
  for (const seq of scheduled) {
    batchTokens += seq.scheduled;
    contextTokens += seq.computed + seq.scheduled;
  }
  let duration = 0;
  if (scheduled.length > 0) {
    duration = s.stepMs(batchTokens, contextTokens) + loadMs;
    if (config.stepJitter > 0) duration *= 1 + config.stepJitter * (2 * s.random.next() - 1);
    s.stats.steps++;
    s.stats.busyMs += duration;
  }

  let anyFinished = false;
  for (const seq of scheduled) anyFinished = advance(s, seq) || anyFinished;
  if (anyFinished) removeFinished(running);

  res.startMs = start;
  res.durationMs = duration;
  res.endMs = start + duration;
  res.batchTokens = batchTokens;
  res.batchSize = scheduled.length;
  s.busyUntil = res.endMs;
  return res;
}

/** Admits waiting sequences; returns the LoRA load time to add to the step (ms). */
function admitWaiting<R extends EngineRequest>(s: EngineState<R>, budgetIn: number): number {
  const { pool, lora, waiting, running, scheduled, skipped, hits, config, stats } = s;
  const bs = config.blockSize;
  let budget = budgetIn;
  let loadMs = 0;
  skipped.length = 0;
  while (budget > 0 && running.length < config.maxNumSeqs && waiting.size > 0) {
    if (lora.admissibleWaiting() === 0) break;
    const seq = waiting.peekFront()!;
    if (seq.status === "cancelled") {
      waiting.popFront();
      continue;
    }
    const adapter = seq.request.adapter;
    if (!lora.canRun(adapter)) {
      skipped.push(waiting.popFront()!);
      continue;
    }
    const hitBlocks = findCachedPrefix(s, seq);
    const hitTokens = hitBlocks * bs;
    // A remotely prefilled prompt arrives computed but for its last token (its logits start decode).
    const startTokens =
      seq.request.remotePrefill === true && seq.preemptions === 0
        ? Math.max(hitTokens, seq.numTokens - 1)
        : hitTokens;
    const n = Math.min(seq.numTokens - startTokens, budget);
    const newBlocks = Math.ceil((startTokens + n) / bs) - hitBlocks;
    let idleHits = 0;
    for (let j = 0; j < hitBlocks; j++) if (pool.refCount(hits[j]!) === 0) idleHits++;
    if (newBlocks + idleHits > pool.freeBlocks) break;

    waiting.popFront();
    s.waitingCount--;
    lora.removeWaiting(adapter);
    for (let j = 0; j < hitBlocks; j++) {
      pool.touch(hits[j]!);
      seq.blocks.push(hits[j]!);
    }
    for (let k = 0; k < newBlocks; k++) seq.blocks.push(pool.allocate());
    seq.computed = startTokens;
    seq.cachedBlocks = hitBlocks;
    seq.status = "running";
    stats.prefixCacheQueries += seq.numTokens;
    stats.prefixCacheHits += hitTokens;
    if (seq.preemptions === 0) {
      stats.promptTokens += seq.request.promptTokens;
      seq.cachedPromptTokens = Math.min(hitTokens, seq.request.promptTokens);
    }
    loadMs += lora.start(adapter);
    running.push(seq);
    seq.scheduled = n;
    budget -= n;
    scheduled.push(seq);
  }
  for (let i = skipped.length - 1; i >= 0; i--) waiting.pushFront(skipped[i]!);
  if (s.waitingCount === 0 && waiting.size > 0) waiting.clear();
  return loadMs;
}

/**
 * Leading prompt blocks found in the prefix cache, into `s.hits`. At least one token is always
 * computed (its logits give the next token), so a fully cached prompt recomputes its last block.
 */
function findCachedPrefix<R extends EngineRequest>(s: EngineState<R>, seq: Sequence<R>): number {
  const max = Math.min(seq.keys.length, Math.floor((seq.numTokens - 1) / s.config.blockSize));
  let n = 0;
  while (n < max) {
    const b = s.pool.cached(seq.keys[n]!);
    if (b < 0) break;
    s.hits[n++] = b;
  }
  return n;
}

/** Frees a running sequence's blocks and puts it back at the front of the queue, to prefill again. */
function preempt<R extends EngineRequest>(s: EngineState<R>, seq: Sequence<R>): void {
  s.pool.release(seq.blocks);
  seq.blocks.length = 0;
  seq.computed = 0;
  seq.cachedBlocks = 0;
  seq.scheduled = 0;
  seq.status = "waiting";
  seq.preemptions++;
  s.stats.preemptions++;
  s.lora.stop(seq.request.adapter);
  s.lora.addWaiting(seq.request.adapter);
  s.waiting.pushFront(seq);
  s.waitingCount++;
  s.result.preempted.push(seq.request);
}

/** Applies a scheduled sequence's progress; returns whether it finished. */
function advance<R extends EngineRequest>(s: EngineState<R>, seq: Sequence<R>): boolean {
  const bs = s.config.blockSize;
  seq.computed += seq.scheduled;
  seq.scheduled = 0;
  const full = Math.min(seq.keys.length, Math.floor(seq.computed / bs));
  for (let j = seq.cachedBlocks; j < full; j++) s.pool.register(seq.blocks[j]!, seq.keys[j]!);
  if (full > seq.cachedBlocks) seq.cachedBlocks = full;
  if (seq.computed < seq.numTokens) return false;
  seq.output++;
  s.stats.generationTokens++;
  const res = s.result;
  res.emitted.push(seq.request);
  if (seq.output === 1) res.firstToken.push(seq.request);
  if (seq.output < seq.request.maxTokens) return false;
  s.pool.release(seq.blocks);
  seq.blocks.length = 0;
  seq.status = "finished";
  s.lora.stop(seq.request.adapter);
  s.byId.delete(seq.request.id);
  s.stats.finishedRequests++;
  res.finished.push(seq.request);
  return true;
}

function removeFinished<R extends EngineRequest>(running: Sequence<R>[]): void {
  let w = 0;
  for (let r = 0; r < running.length; r++) {
    const seq = running[r]!;
    if (seq.status === "running") running[w++] = seq;
  }
  running.length = w;
}
