/** The agent's own counters and lag, logged and optionally exposed on its /metrics. */

/** Counters and the latest timings of one agent process. */
export interface AgentStats {
  scrapes: number;
  scrapeFailures: number;
  pushes: number;
  pushFailures: number;
  /** Failed pushes since the last success (drives the backoff). */
  consecutiveFailures: number;
  /** Duration of the last scrape + health check, ms. */
  scrapeMs: number;
  /** Duration of the last successful push, ms. */
  pushMs: number;
  /** Time of the last successful push, ms since the epoch. */
  lastPushAt: number | undefined;
  /** Readiness in the last successful push. */
  ready: boolean;
  /** Delay chosen before the next round, ms. */
  nextDelayMs: number;
}

/**
 * The stats in the Prometheus text format (names prefixed inference_router_agent_). Time since the
 * last push is -1 before the first one.
 */
export function agentStatsToText(stats: Readonly<AgentStats>, nowMs: number): string {
  const since = stats.lastPushAt === undefined ? -1 : (nowMs - stats.lastPushAt) / 1000;
  const rows: [string, "counter" | "gauge", string, number][] = [
    ["scrapes_total", "counter", "Scrapes of the engine's /metrics.", stats.scrapes],
    [
      "scrape_failures_total",
      "counter",
      "Scrapes that were not pushed (fetch or parse failure).",
      stats.scrapeFailures,
    ],
    ["pushes_total", "counter", "Snapshots the router accepted.", stats.pushes],
    ["push_failures_total", "counter", "Pushes the router refused or did not answer.", stats.pushFailures],
    [
      "scrape_duration_seconds",
      "gauge",
      "Duration of the last scrape and health check.",
      stats.scrapeMs / 1000,
    ],
    ["push_duration_seconds", "gauge", "Duration of the last successful push.", stats.pushMs / 1000],
    ["seconds_since_last_push", "gauge", "Time since the last successful push (-1: none yet).", since],
    ["endpoint_ready", "gauge", "Readiness pushed last (1 ready, 0 not).", stats.ready ? 1 : 0],
  ];
  return rows
    .map(([name, type, help, value]) => {
      const full = `inference_router_agent_${name}`;
      return `# HELP ${full} ${help}\n# TYPE ${full} ${type}\n${full} ${value}\n`;
    })
    .join("");
}
