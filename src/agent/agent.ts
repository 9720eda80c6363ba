/**
 * One agent's decisions, with every effect injected: scrape and health check the engine, turn the
 * scrape into metrics, push, and choose how long to wait before the next round. The Node runtime
 * supplies fetch-with-timeout, the Connect client, timers and the logger.
 */
import { ConnectError } from "@connectrpc/connect";
import type { Clock } from "../core/clock.js";
import type { Random } from "../core/random.js";
import type { PushSnapshotRequest } from "../gen/inferencerouter/v1/pool_state_pb.js";
import type { EndpointMetrics } from "../state/types.js";
import type { AgentOptions } from "./agent-options.js";
import { type AgentStats, createAgentStats } from "./agent-stats.js";
import { type BackoffOptions, backoffDelay, defaultBackoff } from "../push/backoff.js";
import { metricsFromScrape } from "./metrics-from-scrape.js";
import { pushRequestFromAgentPush } from "./push-request.js";
import { ScrapeError } from "./scrape-error.js";
import { nextSequence } from "../push/sequence.js";

/** The platform pieces an agent needs. */
export interface AgentDeps {
  clock: Clock;
  random: Random;
  /** Returns the /metrics body; throws on a network error or a non-2xx status. */
  scrape(): Promise<string>;
  /** True when the engine's health URL answers 2xx in time. */
  checkHealth(): Promise<boolean>;
  /** Sends one push; throws (ideally a ConnectError) when the router does not take it. */
  push(request: PushSnapshotRequest): Promise<void>;
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
  backoff?: BackoffOptions;
}

/** A running agent's state machine. */
export interface Agent {
  /** One scrape-and-push round; resolves with the ms to wait before the next one. */
  tick(): Promise<number>;
  /** Best-effort last push marking the endpoint not ready (on shutdown); false if nothing to push. */
  pushNotReady(): Promise<boolean>;
  readonly stats: Readonly<AgentStats>;
}

type Opts = Pick<AgentOptions, "engine" | "pool" | "source" | "address" | "labels" | "models" | "intervalMs">;

/** Creates the agent's loop logic. @example const agent = createAgent(opts, deps); setTimeout(loop, await agent.tick()); */
export function createAgent(opts: Opts, deps: AgentDeps): Agent {
  const stats = createAgentStats();
  let sequence: bigint | undefined;
  let lastGood: EndpointMetrics | undefined;

  async function push(metrics: EndpointMetrics, ready: boolean, observedAt: number): Promise<boolean> {
    sequence = nextSequence(sequence, deps.clock.now());
    const request = pushRequestFromAgentPush({ ...opts, sequence, observedAt, ready, metrics });
    const start = deps.clock.now();
    try {
      await deps.push(request);
    } catch (err) {
      stats.pushFailures++;
      stats.consecutiveFailures++;
      const e = ConnectError.from(err);
      const retryInMs = backoffDelay(stats.consecutiveFailures, deps.random, deps.backoff ?? defaultBackoff);
      stats.nextDelayMs = retryInMs;
      deps.log(stats.consecutiveFailures === 1 ? "warn" : "debug", "push failed; backing off", {
        error: e.rawMessage,
        code: e.code,
        attempt: stats.consecutiveFailures,
        retryInMs,
        sinceLastPushMs: stats.lastPushAt === undefined ? null : deps.clock.now() - stats.lastPushAt,
      });
      return false;
    }
    const now = deps.clock.now();
    const recovered = stats.consecutiveFailures > 0 || stats.pushes === 0;
    stats.pushMs = now - start;
    stats.pushes++;
    stats.lastPushAt = now;
    stats.ready = ready;
    if (recovered && stats.consecutiveFailures > 0)
      deps.log("info", "router reachable again", { after: stats.consecutiveFailures });
    stats.consecutiveFailures = 0;
    stats.nextDelayMs = opts.intervalMs;
    deps.log(recovered ? "info" : "debug", "pushed", {
      sequence,
      ready,
      scrapeMs: stats.scrapeMs,
      pushMs: stats.pushMs,
      waiting: metrics.waitingRequests,
      running: metrics.runningRequests,
      kv: metrics.kvCacheUsage,
    });
    return true;
  }

  async function tick(): Promise<number> {
    const observedAt = deps.clock.now();
    const [scraped, healthy] = await Promise.all([
      deps.scrape().then(
        (text) => ({ text }),
        (error: unknown) => ({ error }),
      ),
      deps.checkHealth().catch(() => false),
    ]);
    stats.scrapeMs = deps.clock.now() - observedAt;
    stats.scrapes++;
    let metrics: EndpointMetrics | undefined;
    try {
      if ("error" in scraped) throw scraped.error;
      metrics = metricsFromScrape(opts.engine, scraped.text);
      lastGood = metrics;
    } catch (err) {
      stats.scrapeFailures++;
      const fields =
        err instanceof ScrapeError
          ? { reason: err.reason, metric: err.metric, error: err.message }
          : { reason: "fetch", error: err instanceof Error ? err.message : String(err) };
      deps.log("warn", "scrape not pushed", { ...fields, healthy });
    }
    if (healthy !== stats.ready && stats.pushes > 0 && (metrics || lastGood)) {
      deps.log(
        healthy ? "info" : "warn",
        healthy ? "engine healthy" : "engine health check failed; pushing ready=false",
      );
    }
    // A failed scrape is never pushed. An unhealthy engine is still reported (ready=false, with its
    // last good metrics) so the router stops picking it before the snapshot goes stale.
    if (metrics) await push(metrics, healthy, observedAt);
    else if (!healthy && lastGood) await push(lastGood, false, observedAt);
    else stats.nextDelayMs = stats.consecutiveFailures > 0 ? stats.nextDelayMs : opts.intervalMs;
    return stats.nextDelayMs;
  }

  async function pushNotReady(): Promise<boolean> {
    if (!lastGood) return false;
    return push(lastGood, false, deps.clock.now());
  }

  return { tick, pushNotReady, stats };
}
