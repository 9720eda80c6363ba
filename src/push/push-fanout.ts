/**
 * One producer, several receivers: a push loop per target (each with its own backoff, so a replica
 * that is down does not slow pushes to the others) fed by ONE producer. A round produces once for
 * every loop that asks within half an interval (an agent scrapes once, not once per replica), and
 * every target gets the same message with the same sequence, so "the push with sequence S" names
 * the same snapshot at every replica (peers compare what they count against it). Every push is a
 * full snapshot, so a replica that joins is complete after its first one.
 */
import {
  createPushLoop,
  type PushEvent,
  type PushLoop,
  type PushLoopOptions,
  type PushSend,
  type PushStats,
} from "./push-loop.js";
import type { PushTarget } from "./push-targets.js";
import { nextSequence } from "./sequence.js";
import type { TargetWatch } from "./target-watch.js";

/** The loop settings every target shares, documented once on PushLoopOptions. */
type SharedLoopOptions<M extends { sequence: bigint }> = Pick<
  PushLoopOptions<M>,
  | "intervalMs"
  | "timeoutMs"
  | "finalPush"
  | "backoff"
  | "stopOn"
  | "producerDelayMs"
  | "clock"
  | "random"
  | "timers"
>;

export interface PushFanoutOptions<M extends { sequence: bigint }> extends SharedLoopOptions<M> {
  /** The receivers, watched: loops start for targets that join and stop for those that leave. */
  targets: TargetWatch;
  /** How a message reaches one target (the runtime builds the client). */
  sendTo(target: PushTarget): PushSend<M>;
  /** Builds the next message (see PushLoopOptions.produce); called once per round for all targets. */
  produce(final: boolean): M | undefined | Promise<M | undefined>;
  /** Called after every push to any target. */
  onPush?(target: PushTarget, event: PushEvent<M>): void;
  /** Called when a target joins (a loop starts) or leaves (its loop is closed). */
  onTargets?(joined: readonly PushTarget[], left: readonly PushTarget[]): void;
}

/** A fan-out: the PushLoop interface over all targets, plus the per-target loops. */
export interface PushFanout extends PushLoop {
  /** The loop of each target now, by target key. */
  loops(): ReadonlyMap<string, PushLoop>;
}

/** A shallow copy: each loop may set fields of its own message (protobuf-es messages are plain objects). */
const copy = <M>(m: M | undefined): M | undefined => (m === undefined ? undefined : { ...m });

/**
 * Creates the fan-out (not yet started).
 *
 * @example
 * const fanout = createPushFanout({ targets: watch, sendTo: (t) => unarySend(t.url), produce, intervalMs: 100, ... });
 * fanout.start();
 */
export function createPushFanout<M extends { sequence: bigint }>(o: PushFanoutOptions<M>): PushFanout {
  const loops = new Map<string, PushLoop>();
  let started = false;
  let closing = false;
  let sequence: bigint | undefined;
  let last: { at: number; message: Promise<M | undefined> } | undefined;
  let final: Promise<M | undefined> | undefined;

  /** The round's message, shared by every loop asking within half an interval. */
  function shared(isFinal: boolean): Promise<M | undefined> {
    if (isFinal) {
      final ??= stamp(Promise.resolve().then(() => o.produce(true)));
      return final.then(copy);
    }
    const now = o.clock.now();
    if (last === undefined || now - last.at >= o.intervalMs / 2) {
      last = { at: now, message: stamp(Promise.resolve().then(() => o.produce(false))) };
    }
    return last.message.then(copy);
  }

  async function stamp(p: Promise<M | undefined>): Promise<M | undefined> {
    const m = await p.catch(() => undefined);
    if (m === undefined) return undefined;
    sequence = nextSequence(sequence, o.clock.now());
    m.sequence = sequence;
    return m;
  }

  function open(target: PushTarget): PushLoop {
    // A loop in backoff may come back within the same shared round: never push one sequence twice.
    let pushed = 0n;
    const loop = createPushLoop<M>({
      intervalMs: o.intervalMs,
      timeoutMs: o.timeoutMs,
      keepSequence: true,
      async produce(isFinal) {
        const m = await shared(isFinal);
        return m === undefined || m.sequence <= pushed ? undefined : m;
      },
      send: o.sendTo(target),
      ...(o.finalPush !== undefined ? { finalPush: o.finalPush } : {}),
      ...(o.backoff ? { backoff: o.backoff } : {}),
      ...(o.stopOn ? { stopOn: o.stopOn } : {}),
      ...(o.producerDelayMs ? { producerDelayMs: o.producerDelayMs } : {}),
      ...(o.timers ? { timers: o.timers } : {}),
      clock: o.clock,
      random: o.random,
      onPush(event) {
        if (event.ok) pushed = event.message.sequence;
        o.onPush?.(target, event);
      },
    });
    return loop;
  }

  function sync(targets: readonly PushTarget[]): void {
    if (closing) return;
    const wanted = new Map(targets.map((t) => [t.key, t]));
    const joined: PushTarget[] = [];
    const left: PushTarget[] = [];
    for (const [key, loop] of loops) {
      if (wanted.has(key)) continue;
      loops.delete(key);
      // The replica is gone (or no longer resolves): cut the loop, no final push.
      void loop.close();
      left.push({ key, url: key });
    }
    for (const t of targets) {
      if (loops.has(t.key)) continue;
      const loop = open(t);
      loops.set(t.key, loop);
      joined.push(t);
      if (started) loop.start();
    }
    if (joined.length > 0 || left.length > 0) o.onTargets?.(joined, left);
  }

  sync(o.targets.current());
  const unsubscribe = o.targets.subscribe(sync);

  const stats = (): PushStats => {
    const all = [...loops.values()].map((l) => l.stats);
    const s: PushStats = {
      pushes: 0,
      pushFailures: 0,
      consecutiveFailures: all.length === 0 ? 0 : Number.POSITIVE_INFINITY,
      pushMs: 0,
      lastPushAt: undefined,
      nextDelayMs: all.length === 0 ? o.intervalMs : Number.POSITIVE_INFINITY,
    };
    for (const x of all) {
      s.pushes += x.pushes;
      s.pushFailures += x.pushFailures;
      // The fan-out is failing only while every target is.
      s.consecutiveFailures = Math.min(s.consecutiveFailures, x.consecutiveFailures);
      s.nextDelayMs = Math.min(s.nextDelayMs, x.nextDelayMs);
      if (x.lastPushAt !== undefined && (s.lastPushAt === undefined || x.lastPushAt > s.lastPushAt)) {
        s.lastPushAt = x.lastPushAt;
        s.pushMs = x.pushMs;
      }
    }
    return s;
  };

  return {
    start() {
      if (started || closing) return;
      started = true;
      for (const loop of loops.values()) loop.start();
    },
    async round() {
      const delays = await Promise.all([...loops.values()].map((l) => l.round()));
      return delays.length === 0 ? o.intervalMs : Math.min(...delays);
    },
    async close() {
      if (closing) return false;
      closing = true;
      unsubscribe();
      const results = await Promise.all([...loops.values()].map((l) => l.close()));
      return results.some((r) => r);
    },
    get stats() {
      return stats();
    },
    get stopped() {
      return loops.size > 0 && [...loops.values()].every((l) => l.stopped);
    },
    loops: () => loops,
  };
}
