/**
 * The live set of push targets: resolved once at start, then again every `resolveIntervalMs`;
 * listeners hear of each change (a replica joined or left). One watch serves every loop of a process
 * (a simulator with 100 replicas looks the name up once per interval, not 100 times).
 */
import {
  type PushTarget,
  type PushTargetSpec,
  type ResolveHost,
  resolvePushTargets,
} from "./push-targets.js";
import { systemTimers, type Timers } from "./timers.js";

export interface TargetWatchOptions {
  specs: readonly PushTargetSpec[];
  /** Looks names up; undefined = names are used as they are (one target per URL). */
  resolve?: ResolveHost | undefined;
  /** Time between lookups, ms; 0 = once at start. Default 5000. */
  resolveIntervalMs?: number;
  timers?: Timers;
  /** A lookup failed (the name's previous targets are kept). */
  onError?(hostname: string, error: unknown): void;
  /** The set changed: targets that joined and left. */
  onChange?(joined: readonly PushTarget[], left: readonly PushTarget[]): void;
}

/** A watched set of targets. */
export interface TargetWatch {
  /** The targets now (empty until the first lookup ends). */
  current(): readonly PushTarget[];
  /** Resolves once the first lookup ended. */
  readonly ready: Promise<void>;
  /** Calls `fn` with the whole set after each change; returns the unsubscribe function. */
  subscribe(fn: (targets: readonly PushTarget[]) => void): () => void;
  /** Looks the names up now (also what the timer does). */
  refresh(): Promise<void>;
  /** Stops the timer. */
  close(): void;
}

/**
 * Starts watching.
 *
 * @example
 * const watch = watchTargets({ specs: parsePushTargets(flag, "--push"), resolve: dnsLookupAll });
 * await watch.ready;
 * watch.current(); // [{ key: "http://10.0.0.7:9004", url: "http://10.0.0.7:9004", servername: "router-peers" }, ...]
 */
export function watchTargets(o: TargetWatchOptions): TargetWatch {
  const timers = o.timers ?? systemTimers;
  const intervalMs = o.resolveIntervalMs ?? 5000;
  const listeners = new Set<(targets: readonly PushTarget[]) => void>();
  let targets: readonly PushTarget[] = [];
  let timer: unknown;
  let closed = false;
  let running: Promise<void> | undefined;

  async function lookup(): Promise<void> {
    const next = await resolvePushTargets(o.specs, o.resolve, targets, o.onError);
    const before = new Map(targets.map((t) => [t.key, t]));
    const after = new Map(next.map((t) => [t.key, t]));
    const joined = next.filter((t) => !before.has(t.key));
    const left = targets.filter((t) => !after.has(t.key));
    if (joined.length === 0 && left.length === 0) return;
    targets = next;
    o.onChange?.(joined, left);
    for (const fn of listeners) fn(targets);
  }

  const refresh = (): Promise<void> => {
    running ??= lookup().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = () => {
    if (closed || intervalMs <= 0 || o.resolve === undefined) return;
    timer = timers.set(() => {
      void refresh().finally(schedule);
    }, intervalMs);
  };

  const ready = refresh().finally(schedule);
  return {
    current: () => targets,
    ready,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    refresh,
    close() {
      closed = true;
      timers.clear(timer);
    },
  };
}
