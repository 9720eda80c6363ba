/**
 * One agent's decisions, with every effect injected: scrape and health check the engine, turn the
 * scrape into metrics and say what to push. The push itself (sequence, backoff, final push) is the
 * shared push loop's; the Node runtime supplies fetch-with-timeout, the send, timers and the logger.
 */
import { Code, type ConnectError } from "@connectrpc/connect";
import type { Clock } from "../core/clock.js";
import type { Random } from "../core/random.js";
import type { PushSnapshotRequest } from "../gen/inferencerouter/v1/pool_state_pb.js";
import { type BackoffOptions, backoffDelay, defaultBackoff } from "../push/backoff.js";
import { createPushFanout } from "../push/push-fanout.js";
import {
  createPushLoop,
  type PushEvent,
  type PushSend,
  REFUSALS_THAT_CANNOT_SUCCEED,
} from "../push/push-loop.js";
import type { PushTarget } from "../push/push-targets.js";
import type { TargetWatch } from "../push/target-watch.js";
import type { Timers } from "../push/timers.js";
import type { EndpointMetrics } from "../state/types.js";
import type { AgentOptions } from "./agent-options.js";
import type { AgentStats } from "./agent-stats.js";
import { metricsFromScrape } from "./metrics-from-scrape.js";
import { pushRequestFromAgentPush } from "./push-request.js";
import { ScrapeError } from "./scrape-error.js";

/** The platform pieces an agent needs. */
export interface AgentDeps {
  clock: Clock;
  random: Random;
  /** Default: the platform's setTimeout. */
  timers?: Timers;
  /** Returns the /metrics body; throws on a network error or a non-2xx status. */
  scrape(): Promise<string>;
  /** True when the engine's health URL answers 2xx in time. */
  checkHealth(): Promise<boolean>;
  /**
   * How pushes reach the router (PushSnapshot per push, or one held StreamSnapshots); or, for several
   * router replicas, the watched targets and how to reach each (one loop per replica, one scrape per round).
   */
  send:
    | PushSend<PushSnapshotRequest>
    | { targets: TargetWatch; sendTo(target: PushTarget): PushSend<PushSnapshotRequest> };
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
  /** Backoff while pushes fail, and while scrapes fail. Default 200 ms doubling to 10 s, half jittered. */
  backoff?: BackoffOptions;
  /**
   * Called once when the router refuses a push in a way no retry can cure (REFUSALS_THAT_CANNOT_SUCCEED:
   * unknown pool, malformed message, missing or wrong token): the agent has stopped pushing.
   */
  onRefused?(error: ConnectError): void;
}

/** A running agent. */
export interface Agent {
  /** Scrapes and pushes on the timers until closed. */
  start(): void;
  /** One scrape-and-push round; resolves with the ms to wait before the next one. */
  tick(): Promise<number>;
  /**
   * Stops, then makes a last push marking the endpoint not ready (the pod is going away: tell the
   * router now rather than letting the snapshot go stale). Resolves false when there was nothing
   * to push (no good scrape yet) or the router did not take it.
   */
  close(): Promise<boolean>;
  readonly stats: Readonly<AgentStats>;
}

type Opts = Pick<
  AgentOptions,
  "engine" | "pool" | "source" | "address" | "labels" | "models" | "intervalMs" | "timeoutMs"
>;

/** Creates the agent. @example const agent = createAgent(opts, deps); agent.start(); */
export function createAgent(opts: Opts, deps: AgentDeps): Agent {
  const scrapeStats = { scrapes: 0, scrapeFailures: 0, scrapeMs: 0, ready: false };
  let lastGood: EndpointMetrics | undefined;
  const backoff = deps.backoff ?? defaultBackoff;
  // Failed scrapes in a row, and the wait they ask for: an engine that is down is scraped (and
  // logged) on the push backoff, not at every interval.
  let scrapeFailuresInRow = 0;
  let scrapeRetryMs = 0;

  const request = (metrics: EndpointMetrics, ready: boolean, observedAt: number) =>
    pushRequestFromAgentPush({ ...opts, sequence: 0n, observedAt, ready, metrics });

  async function produce(final: boolean): Promise<PushSnapshotRequest | undefined> {
    if (final) return lastGood && request(lastGood, false, deps.clock.now());
    const observedAt = deps.clock.now();
    const [scraped, healthy] = await Promise.all([
      deps.scrape().then(
        (text) => ({ text }),
        (error: unknown) => ({ error }),
      ),
      deps.checkHealth().catch(() => false),
    ]);
    scrapeStats.scrapeMs = deps.clock.now() - observedAt;
    scrapeStats.scrapes++;
    let metrics: EndpointMetrics | undefined;
    try {
      if ("error" in scraped) throw scraped.error;
      metrics = metricsFromScrape(opts.engine, scraped.text);
      lastGood = metrics;
      if (scrapeFailuresInRow > 0) deps.log("info", "scrape recovered", { after: scrapeFailuresInRow });
      scrapeFailuresInRow = 0;
      scrapeRetryMs = 0;
    } catch (err) {
      scrapeStats.scrapeFailures++;
      scrapeFailuresInRow++;
      scrapeRetryMs = backoffDelay(scrapeFailuresInRow, deps.random, backoff);
      const fields =
        err instanceof ScrapeError
          ? { reason: err.reason, metric: err.metric, error: err.message }
          : { reason: "fetch", error: err instanceof Error ? err.message : String(err) };
      // Once per outage at warn; the retries at debug.
      deps.log(scrapeFailuresInRow === 1 ? "warn" : "debug", "scrape not pushed", {
        ...fields,
        healthy,
        attempt: scrapeFailuresInRow,
        retryInMs: scrapeRetryMs,
      });
    }
    if (healthy !== scrapeStats.ready && loop.stats.pushes > 0 && (metrics || lastGood)) {
      deps.log(
        healthy ? "info" : "warn",
        healthy ? "engine healthy" : "engine health check failed; pushing ready=false",
      );
    }
    // A failed scrape is never pushed. An unhealthy engine is still reported (ready=false, with its
    // last good metrics) so the router stops picking it before the snapshot goes stale.
    if (metrics) return request(metrics, healthy, observedAt);
    if (!healthy && lastGood) return request(lastGood, false, observedAt);
    return undefined;
  }

  function report(e: PushEvent<PushSnapshotRequest>): void {
    // With several replicas, one that refuses stops its own loop; the agent gives up when all have.
    if (!e.ok && e.stopped && !loop.stopped) {
      deps.log("error", "push refused by one router replica; not retrying there", {
        code: Code[e.error.code],
        error: e.error.rawMessage,
      });
      return;
    }
    if (!e.ok && e.stopped) {
      deps.log(
        "error",
        "push refused; not retrying: the router refuses every push until its config or this agent's flags change",
        {
          code: Code[e.error.code],
          error: e.error.rawMessage,
          pool: opts.pool,
          address: opts.address,
        },
      );
      deps.onRefused?.(e.error);
      return;
    }
    if (!e.ok) {
      const last = loop.stats.lastPushAt;
      deps.log(e.changed ? "warn" : "debug", "push failed; backing off", {
        error: e.error.rawMessage,
        code: Code[e.error.code],
        attempt: e.attempt,
        retryInMs: e.retryInMs,
        sinceLastPushMs: last === undefined ? null : deps.clock.now() - last,
      });
      return;
    }
    const endpoint = e.message.endpoints[0];
    const m = endpoint?.metrics;
    scrapeStats.ready = endpoint?.ready ?? false;
    if (e.failuresBefore > 0) deps.log("info", "router reachable again", { after: e.failuresBefore });
    deps.log(e.changed ? "info" : "debug", "pushed", {
      sequence: e.message.sequence,
      ready: scrapeStats.ready,
      scrapeMs: scrapeStats.scrapeMs,
      pushMs: e.pushMs,
      waiting: m?.waitingRequests,
      running: m?.runningRequests,
      kv: m?.kvCacheUsage,
    });
  }

  const send = deps.send;
  const common = {
    intervalMs: opts.intervalMs,
    timeoutMs: opts.timeoutMs,
    produce,
    finalPush: true,
    backoff,
    stopOn: REFUSALS_THAT_CANNOT_SUCCEED,
    producerDelayMs: () => scrapeRetryMs,
    clock: deps.clock,
    random: deps.random,
    ...(deps.timers ? { timers: deps.timers } : {}),
  };
  const loop =
    "targets" in send
      ? createPushFanout<PushSnapshotRequest>({
          ...common,
          targets: send.targets,
          sendTo: send.sendTo,
          onPush: (_target, event) => report(event),
        })
      : createPushLoop<PushSnapshotRequest>({ ...common, send, onPush: report });

  return {
    start: () => loop.start(),
    tick: () => loop.round(),
    close: () => loop.close(),
    get stats(): AgentStats {
      return { ...scrapeStats, ...loop.stats };
    },
  };
}
