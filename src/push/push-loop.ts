/**
 * The one push loop every producer runs (the metrics agent, the model-server simulator, a region's
 * push to the edge): build a message, give it a restart-safe sequence, send it, and wait the
 * interval, or a jittered exponential backoff while the receiver does not take it. The producer
 * supplies what to send and how (a unary call, or one held client stream); the runtime supplies the
 * clock, randomness, timers and what to log.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Clock } from "../core/clock.js";
import type { Random } from "../core/random.js";
import { type BackoffOptions, backoffDelay, defaultBackoff } from "./backoff.js";
import type { PushStream } from "./held-stream.js";
import { nextSequence } from "./sequence.js";
import { systemTimers, type Timers } from "./timers.js";

/**
 * Refusals a retry cannot cure: the pool is not configured, the message is malformed, the token is
 * missing or wrong. Producers pass them as `stopOn` so a misconfiguration stops the loop with one log
 * line instead of retrying (and logging) forever.
 */
export const REFUSALS_THAT_CANNOT_SUCCEED: readonly Code[] = [
  Code.NotFound,
  Code.InvalidArgument,
  Code.Unauthenticated,
  Code.PermissionDenied,
];

/** How messages reach the receiver. */
export type PushSend<M> =
  /** One call per push; `signal` aborts it at the deadline or on close. */
  | { mode: "unary"; push(message: M, signal: AbortSignal): Promise<void> }
  /** One held client stream (see openHeldStream), reopened after it fails. */
  | { mode: "stream"; open(): PushStream<M> };

/** What happened to one push, for the producer's log and stats. */
export type PushEvent<M> = {
  message: M;
  /** True for the push made by close(). */
  final: boolean;
  /**
   * True on the first push of the loop and on each change between failing and succeeding: a
   * runtime logs these (once per change) and the rest at debug or not at all.
   */
  changed: boolean;
} & (
  | {
      ok: true;
      /** Duration of the push, ms. */
      pushMs: number;
      /** Failed pushes before this success (0 when the loop was not failing). */
      failuresBefore: number;
    }
  | {
      ok: false;
      error: ConnectError;
      /** Consecutive failures including this one. */
      attempt: number;
      /** Backoff before the next round, ms (0 when `stopped`). */
      retryInMs: number;
      /** True when the error's code is in `stopOn`: the loop runs no more rounds. */
      stopped: boolean;
    }
);

/** Counters and the latest timings of one loop. */
export interface PushStats {
  pushes: number;
  pushFailures: number;
  /** Failed pushes since the last success (drives the backoff). */
  consecutiveFailures: number;
  /** Duration of the last successful push, ms. */
  pushMs: number;
  /** Time of the last successful push, ms since the epoch. */
  lastPushAt: number | undefined;
  /** Delay chosen before the next round, ms. */
  nextDelayMs: number;
}

/** A push loop's settings and platform pieces. */
export interface PushLoopOptions<M extends { sequence: bigint }> {
  /** Wait between rounds while pushes succeed, ms. */
  intervalMs: number;
  /** Limit on one push, on the wait for a round in flight at close, and on the final push, ms. */
  timeoutMs: number;
  /**
   * Builds the next message, or undefined when there is nothing to push this round. `final` is true
   * for the last push made by close(). The loop overwrites `sequence`. A throw skips the round.
   */
  produce(final: boolean): M | undefined | Promise<M | undefined>;
  send: PushSend<M>;
  /** Make one last push (produce(true)) on close. Default false. */
  finalPush?: boolean;
  /**
   * Push messages with the sequence `produce` gave them instead of numbering them (a fan-out numbers
   * one message for all its targets). Default false.
   */
  keepSequence?: boolean;
  /** Backoff while pushes fail. Default 200 ms doubling to 10 s, half jittered. */
  backoff?: BackoffOptions;
  /** Refusal codes after which the loop stops instead of retrying (e.g. REFUSALS_THAT_CANNOT_SUCCEED). Default none. */
  stopOn?: readonly Code[];
  /**
   * The producer's own wait before the next round, ms, read after each round (e.g. a backoff while the
   * source it reads from is down); the longer of it and the loop's delay wins. Default none.
   */
  producerDelayMs?(): number;
  clock: Clock;
  random: Random;
  /** Default: the platform's setTimeout. */
  timers?: Timers;
  /** Called after every push, with the stats already updated. */
  onPush?(event: PushEvent<M>): void;
}

/** A push loop. */
export interface PushLoop {
  /** True once a refusal listed in `stopOn` stopped the loop. */
  readonly stopped: boolean;
  /** Runs rounds on the timers: the first at once, then after each round's delay. */
  start(): void;
  /** One round now (produce, push); resolves with the delay before the next round, ms. */
  round(): Promise<number>;
  /**
   * Stops the timers, cuts a push in flight, waits (bounded) for its round, makes the final push
   * when asked for, and ends a held stream. Resolves true when a final push was taken.
   */
  close(): Promise<boolean>;
  readonly stats: Readonly<PushStats>;
}

/**
 * Creates a loop (not yet started).
 *
 * @example
 * const loop = createPushLoop({
 *   intervalMs: 1000, timeoutMs: 2000, clock, random,
 *   produce: () => create(PushSnapshotRequestSchema, { pool, source, endpoints }),
 *   send: { mode: "unary", push: (m, signal) => client.pushSnapshot(m, { signal }).then(() => {}) },
 * });
 * loop.start();
 */
export function createPushLoop<M extends { sequence: bigint }>(o: PushLoopOptions<M>): PushLoop {
  const timers = o.timers ?? systemTimers;
  const backoff = o.backoff ?? defaultBackoff;
  const stats: PushStats = {
    pushes: 0,
    pushFailures: 0,
    consecutiveFailures: 0,
    pushMs: 0,
    lastPushAt: undefined,
    nextDelayMs: 0,
  };
  let sequence: bigint | undefined;
  let stream: PushStream<M> | undefined;
  let started = false;
  let closing = false;
  let stopped = false;
  let timer: unknown;
  let inFlight: Promise<unknown> | undefined;
  const sends = new Set<AbortController>();

  /** `run` raced against the deadline; the signal aborts at the deadline and on close. */
  async function bounded(run: (signal: AbortSignal) => Promise<void>, ms: number): Promise<void> {
    const controller = new AbortController();
    sends.add(controller);
    let handle: unknown;
    const deadline = new Promise<never>((_, reject) => {
      handle = timers.set(() => {
        const err = new ConnectError(`push got no answer within ${ms} ms`, Code.DeadlineExceeded);
        controller.abort(err);
        reject(err);
      }, ms);
    });
    const cut = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
    });
    try {
      await Promise.race([run(controller.signal), deadline, cut]);
    } finally {
      timers.clear(handle);
      sends.delete(controller);
    }
  }

  /** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
  async function within(p: Promise<unknown>, ms: number): Promise<void> {
    let handle: unknown;
    await Promise.race([p.catch(() => {}), new Promise<void>((r) => (handle = timers.set(r, ms)))]);
    timers.clear(handle);
  }

  async function send(message: M, signal: AbortSignal): Promise<void> {
    if (o.send.mode === "unary") return o.send.push(message, signal);
    if (stream?.broken) {
      // A write resolves once the transport takes the message; the receiver's refusal of it ends the
      // call later. A refusal listed in stopOn is reported (the loop stops); anything else (a reset)
      // just opens a new stream, as before.
      const failure = stream.failure;
      stream = undefined;
      if (failure instanceof ConnectError && o.stopOn?.includes(failure.code)) throw failure;
    }
    if (!stream) stream = o.send.open();
    const s = stream;
    try {
      await s.write(message);
    } catch (err) {
      s.abort();
      if (stream === s) stream = undefined;
      throw err;
    }
  }

  /** One round; `pushed` is true when a message was taken. */
  async function runRound(final: boolean): Promise<{ delayMs: number; pushed: boolean }> {
    const idle = () => (stats.consecutiveFailures > 0 ? stats.nextDelayMs : o.intervalMs);
    let message: M | undefined;
    try {
      message = await o.produce(final);
    } catch {
      message = undefined;
    }
    // A round overtaken by close() pushes nothing: the final push says the last word.
    if (message === undefined || (closing && !final)) {
      stats.nextDelayMs = idle();
      return { delayMs: stats.nextDelayMs, pushed: false };
    }
    if (!o.keepSequence) {
      sequence = nextSequence(sequence, o.clock.now());
      message.sequence = sequence;
    }
    const start = o.clock.now();
    try {
      await bounded((signal) => send(message, signal), o.timeoutMs);
    } catch (err) {
      if (closing && !final) return { delayMs: idle(), pushed: false };
      stats.pushFailures++;
      stats.consecutiveFailures++;
      const retryInMs = backoffDelay(stats.consecutiveFailures, o.random, backoff);
      stats.nextDelayMs = retryInMs;
      const attempt = stats.consecutiveFailures;
      const error = ConnectError.from(err);
      if (!final && o.stopOn?.includes(error.code)) {
        stopped = true;
        stats.nextDelayMs = 0;
        o.onPush?.({ ok: false, message, final, changed: true, error, attempt, retryInMs: 0, stopped });
        return { delayMs: 0, pushed: false };
      }
      o.onPush?.({
        ok: false,
        message,
        final,
        changed: attempt === 1,
        error,
        attempt,
        retryInMs,
        stopped: false,
      });
      return { delayMs: retryInMs, pushed: false };
    }
    const now = o.clock.now();
    const failuresBefore = stats.consecutiveFailures;
    const changed = failuresBefore > 0 || stats.pushes === 0;
    stats.pushMs = now - start;
    stats.pushes++;
    stats.lastPushAt = now;
    stats.consecutiveFailures = 0;
    stats.nextDelayMs = o.intervalMs;
    o.onPush?.({ ok: true, message, final, changed, pushMs: stats.pushMs, failuresBefore });
    return { delayMs: o.intervalMs, pushed: true };
  }

  function schedule(loopMs: number): void {
    if (closing || stopped) return;
    const ms = Math.max(loopMs, o.producerDelayMs?.() ?? 0);
    timer = timers.set(() => {
      timer = undefined;
      const r = runRound(false);
      inFlight = r;
      r.then(
        ({ delayMs }) => schedule(delayMs),
        () => schedule(o.intervalMs),
      ).finally(() => {
        if (inFlight === r) inFlight = undefined;
      });
    }, ms);
  }

  return {
    start() {
      if (started || closing) return;
      started = true;
      schedule(0);
    },
    async round() {
      return Math.max((await runRound(false)).delayMs, o.producerDelayMs?.() ?? 0);
    },
    async close() {
      if (closing) return false;
      closing = true;
      timers.clear(timer);
      for (const c of sends) c.abort(new ConnectError("push loop closed", Code.Canceled));
      if (inFlight) await within(inFlight, o.timeoutMs);
      let pushed = false;
      if (o.finalPush) {
        const final = runRound(true).then((r) => {
          pushed = r.pushed;
        });
        await within(final, o.timeoutMs);
      }
      // Nothing outlives close(): a final push that ran out of time is cut with its deadline timer.
      for (const c of sends) c.abort(new ConnectError("push loop closed", Code.Canceled));
      if (stream) {
        const s = stream;
        stream = undefined;
        await within(s.end(), o.timeoutMs);
        s.abort();
      }
      return pushed;
    },
    stats,
    get stopped() {
      return stopped;
    },
  };
}
