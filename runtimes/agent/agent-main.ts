/**
 * `inference-router agent`: the Node shell around src/agent. It supplies fetch with timeouts, the
 * Connect client, signals and the log; every decision (mapping, backoff, sequence, what to push) is
 * made in src/agent and src/push.
 */
import { Code, createClient } from "@connectrpc/connect";
import { createAgent } from "../../src/agent/agent.js";
import { type AgentOptions, validateAgentOptions } from "../../src/agent/agent-options.js";
import { agentStatsToText } from "../../src/agent/agent-stats.js";
import { RouterError } from "../../src/core/errors.js";
import {
  PoolStateService,
  type PushSnapshotRequest,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { openHeldStream } from "../../src/push/held-stream.js";
import { formatHelp, parseFlags, UsageError } from "../node/flags.js";
import { type LogLevel, log, setLogLevel } from "../node/log.js";
import { transportFor, watchPushTargets } from "../node/push-targets-node.js";
import { agentFlags } from "./agent-flags.js";
import { startStatsServer } from "./stats-server.js";

const usage =
  "inference-router agent --engine vllm|sglang|trtllm --metrics-url URL --address IP:PORT --pool NAME --push URL [options]";
const summary =
  "Scrapes one model server's /metrics and pushes its endpoint snapshot to the router (PushSnapshot).";
/** How often the agent logs its lag even when nothing goes wrong. */
const lagLogEveryMs = 10_000;

function parse(argv: string[]): { options: AgentOptions; host: string } | undefined {
  try {
    const parsed = parseFlags(agentFlags, argv, process.env, true);
    if (parsed.help) {
      process.stdout.write(formatHelp(usage, summary, agentFlags));
      return undefined;
    }
    setLogLevel((parsed.values["log-level"] ?? "info") as LogLevel);
    return { options: validateAgentOptions(parsed.values), host: String(parsed.values.host) };
  } catch (err) {
    if (err instanceof UsageError || (err instanceof RouterError && err.code === "BadRequest")) {
      process.stderr.write(`inference-router agent: ${err.message}\nRun with --help for the options.\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function fetchWithTimeout(url: string, timeoutMs: number): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "text/plain" } });
}

/**
 * CLI entry. Exit codes: 0 stopped by a signal, 2 bad usage, or a push refused in a way no retry cures
 * (unknown pool, malformed push, missing or wrong token: a setting here or on the router is wrong).
 */
export async function agentMain(argv: string[]): Promise<void> {
  const parsed = parse(argv);
  if (!parsed) return;
  const { options: o, host } = parsed;
  const targets = watchPushTargets(o.pushTargets, o.resolveIntervalMs, "push");
  await targets.ready;
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const agent = createAgent(o, {
    clock: { now: () => Date.now() },
    random: { next: Math.random },
    async scrape() {
      const res = await fetchWithTimeout(o.metricsUrl, o.timeoutMs);
      const body = await res.text();
      if (!res.ok) throw new Error(`GET ${o.metricsUrl} answered ${res.status}`);
      return body;
    },
    async checkHealth() {
      const res = await fetchWithTimeout(o.healthUrl, o.timeoutMs);
      await res.arrayBuffer();
      return res.ok;
    },
    send: {
      targets,
      sendTo(target) {
        // Client streaming needs HTTP/2 (the router's API port speaks h2c); unary pushes keep HTTP/1.1.
        const client = createClient(PoolStateService, transportFor(target, o.pushStream ? "2" : "1.1"));
        return o.pushStream
          ? {
              mode: "stream",
              open: () =>
                openHeldStream<PushSnapshotRequest>((requests, signal) =>
                  client.streamSnapshots(requests, { headers, signal }),
                ),
            }
          : {
              mode: "unary",
              async push(request, signal) {
                await client.pushSnapshot(request, { headers, signal, timeoutMs: o.timeoutMs });
              },
            };
      },
    },
    log,
    onRefused(error) {
      // The agent has logged the refusal; exiting makes it visible to whatever runs the agent, whose
      // restart policy (with its own backoff) retries once someone fixes the setting.
      process.stderr.write(
        `inference-router agent: the router refused the push (${Code[error.code]}: ${error.rawMessage}); not retrying\n`,
      );
      process.exit(2);
    },
  });
  const stats =
    o.metricsPort === undefined
      ? undefined
      : await startStatsServer(host, o.metricsPort, () => agentStatsToText(agent.stats, Date.now()));
  log("info", "agent started", {
    engine: o.engine,
    metricsUrl: o.metricsUrl,
    healthUrl: o.healthUrl,
    address: o.address,
    pool: o.pool,
    push: o.pushUrl,
    source: o.source,
    intervalMs: o.intervalMs,
    pushStream: o.pushStream,
  });
  const lagTimer = setInterval(() => {
    const s = agent.stats;
    log("info", "lag", {
      scrapeMs: s.scrapeMs,
      pushMs: s.pushMs,
      sinceLastPushMs: s.lastPushAt === undefined ? null : Date.now() - s.lastPushAt,
      pushes: s.pushes,
      pushFailures: s.pushFailures,
      scrapeFailures: s.scrapeFailures,
    });
  }, lagLogEveryMs);
  lagTimer.unref();

  agent.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping", { signal });
    const told = await agent.close().catch(() => false);
    targets.close();
    clearInterval(lagTimer);
    stats?.close();
    log("info", "stopped", { pushedNotReady: told });
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
