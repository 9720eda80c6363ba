/**
 * `inference-router serve`: wires the core (store, services) to Node listeners. Holds no routing
 * rule: it reads config, starts listeners, sweeps on a timer, reloads config and drains on SIGTERM.
 */
import type { RouterResources } from "../../src/api/resources.js";
import type { Clock } from "../../src/core/clock.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import { watchModelAggregates } from "../../src/metrics/model-metrics.js";
import { createPeerMetrics } from "../../src/metrics/peer-metrics.js";
import { DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND } from "../../src/push/peer-publisher.js";
import { flowControlIgnored } from "../../src/routing/flow-admission.js";
import { createRouterCore, type RouterCore } from "../../src/routing/router-core.js";
import { describeScheduler } from "../../src/routing/scheduler-config-ref.js";
import { createAuthInterceptor } from "../../src/services/auth.js";
import { pushExposureProblem } from "../../src/services/push-exposure.js";
import type { PoolStore } from "../../src/state/pool-store.js";
import { startApiServer } from "./api-server.js";
import { ConfigError, loadResources, readToken, watchResources } from "./config-loader.js";
import { type DualListener, portProblem } from "./dual-listener.js";
import { edgeIdentity, startEdgePush } from "./edge-push.js";
import { type FlagValues, formatHelp, parseFlags, UsageError } from "./flags.js";
import { startHttpServer } from "./http-server.js";
import { type LogLevel, log, setLogLevel } from "./log.js";
import { createNodeTransport } from "./node-transport.js";
import { checkPeerPrefixBlocks, checkPeers, newPeerSource, startPeerSharing } from "./peers.js";
import { startPickerListeners } from "./picker-listeners.js";
import { serveFlags } from "./serve-flags.js";
import { startTracing } from "./tracing.js";

export const systemClock: Clock = { now: () => Date.now() };

function warnFlowControlIgnored(r: RouterResources): void {
  const warning = flowControlIgnored(r);
  if (warning !== undefined) log("warn", warning);
}
const systemRandom = { next: Math.random };

export interface RunningServer {
  ports: Record<string, number>;
  store: PoolStore;
  /** The one router core every listener calls. */
  core: RouterCore;
  /** Stops listeners, ends streams, waits for in-flight calls. */
  close(): Promise<void>;
}

/**
 * Runs `start`, turning a port it could not bind into a UsageError naming the flag (exit 2): `ports`
 * are the flags of what `start` opens with their ports; the failed one is found by the error's port.
 */
async function binding<T>(ports: [flag: string, port: number][], start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const failed = (err as { port?: unknown } | null)?.port;
    const flags = ports.filter(([, p]) => p === failed).map(([f]) => `--${f}`);
    const problem =
      typeof failed === "number" && flags.length > 0
        ? portProblem(err, flags.join(" / "), failed)
        : undefined;
    if (problem !== undefined) throw new UsageError(problem);
    throw err;
  }
}

export async function startServe(flags: FlagValues): Promise<RunningServer> {
  const configPath = flags.config as string | undefined;
  const resources = await loadResources(configPath);
  const cfg = resources.router;
  if (configPath === undefined)
    log("warn", "no --config given: no pools are configured, every push will be refused");
  let core: RouterCore;
  try {
    core = createRouterCore(resources, {
      clock: systemClock,
      random: systemRandom,
      now: () => performance.now(),
      onStaleEndpoints: ({ pool, stale, endpoints }) =>
        stale
          ? log("warn", "no fresh endpoint: picking among stale endpoints, counted as saturated", {
              pool,
              stale: endpoints,
              setting: "RouterConfig spec.state.staleEndpoints",
            })
          : log("info", "fresh endpoints again: stale endpoints no longer picked", { pool }),
    });
  } catch (err) {
    // The scheduler refuses its config (unknown plugin type, bad parameters) by naming the plugin.
    throw new ConfigError([err instanceof Error ? err.message : String(err)]);
  }
  const { store } = core;
  // Per-model autoscaling aggregates beside the pool ones (once per process: the registry is the core's).
  watchModelAggregates(core.metrics.registry, store);
  const peerMetrics = createPeerMetrics(core.metrics.registry, store);
  const tracing = startTracing(cfg.tracing);
  if (tracing) log("info", "tracing", { otlp: tracing.url });
  const shutdown = new AbortController();
  const httpRouter = createHttpRouter({
    core,
    now: () => performance.now(),
    ready: () => !shutdown.signal.aborted,
    transport: createNodeTransport(),
  });
  const applyConfig = (r: RouterResources) => {
    // Say which edited keys wait for a restart rather than let them look applied.
    const { startOnly } = core.reload(r);
    log("info", "scheduler", { ...describeScheduler(r) });
    warnFlowControlIgnored(r);
    if (startOnly.length > 0)
      log("warn", "config change takes effect at the next start", { keys: startOnly });
  };
  const tokens = {
    pushToken:
      (flags["push-token"] as string | undefined) ??
      readToken(cfg.auth.pushToken, cfg.auth.pushTokenFile, "pushToken"),
    readToken:
      (flags["read-token"] as string | undefined) ??
      readToken(cfg.auth.readToken, cfg.auth.readTokenFile, "readToken"),
  };
  const host = (flags.host as string | undefined) ?? cfg.listen.host;
  const allowUnauthenticated =
    (flags["allow-unauthenticated-push"] as boolean | undefined) ?? cfg.auth.allowUnauthenticatedPush;
  const exposure = pushExposureProblem({
    host,
    pushToken: tokens.pushToken !== undefined,
    allowUnauthenticated,
  });
  if (exposure !== undefined) throw new ConfigError([exposure]);
  // Watch before listening: a change made right after the first "listening" line is not missed.
  const stopWatch = configPath ? watchResources(configPath, applyConfig) : () => undefined;
  const sweep = setInterval(() => store.sweep(), cfg.state.sweepIntervalMs);
  const listeners: [string, DualListener][] = [];
  const port = (flag: string, configured: number): [string, number] => [
    flag,
    (flags[flag] as number | undefined) ?? configured,
  ];
  const apiPort = port("api-port", cfg.listen.apiPort);
  const httpPort = port("http-port", cfg.listen.httpPort);
  const peerSource = newPeerSource();
  const peersFlag = flags.peers as string | undefined;
  // Refused before anything listens: a typo in --peers is a usage error, not a half-started replica.
  if (peersFlag !== undefined) checkPeers(peersFlag);
  checkPeerPrefixBlocks(flags["peer-prefix-blocks"] as number | undefined);
  let pickerListeners: Awaited<ReturnType<typeof startPickerListeners>>;
  let http: DualListener;
  try {
    const api = await binding([apiPort], () =>
      startApiServer({
        store,
        host,
        port: apiPort[1],
        limits: core.limits,
        maxMessageBytes: cfg.limits.maxMessageBytes,
        interceptors: [createAuthInterceptor(tokens)],
        router: () => core,
        shutdownSignal: shutdown.signal,
        ready: () => !shutdown.signal.aborted,
        metrics: core.metrics,
        decisions: () => core.recentDecisions.list(),
        readToken: tokens.readToken,
        peerSource,
        peerMetrics,
      }),
    );
    listeners.push(["api", api]);
    log("info", "listening", {
      service: "api",
      port: api.port,
      host,
      protocols: ["connect", "grpc", "grpc-web"],
      pushes: tokens.pushToken === undefined ? "unauthenticated" : "need a bearer token",
    });
    pickerListeners = await binding(
      [
        port("extproc-port", cfg.listen.extprocPort),
        port("health-port", cfg.listen.healthPort),
        port("metrics-port", cfg.listen.metricsPort),
      ],
      () => startPickerListeners({ flags, core, host, clock: systemClock, shutdownSignal: shutdown.signal }),
    );
    listeners.push(...pickerListeners.listeners);
    http = await binding([httpPort], () =>
      startHttpServer({
        fetch: httpRouter.app.fetch,
        inference: httpRouter.inference,
        host,
        port: httpPort[1],
      }),
    );
    listeners.push(["http", http]);
  } catch (err) {
    // Close what did start (a caller such as a test may carry on), then report the first failure.
    shutdown.abort();
    clearInterval(sweep);
    stopWatch();
    await Promise.allSettled(listeners.map(([, l]) => l.close()));
    throw err;
  }
  const edge = cfg.edge.push;
  const edgePush = edge
    ? startEdgePush({
        ...edge,
        identity: edgeIdentity(edge.region, process.env, { host, port: http.port }, edge),
        store,
        models: () => core.models(),
      })
    : undefined;
  const peers = peersFlag
    ? await startPeerSharing({
        peers: peersFlag,
        source: peerSource,
        intervalMs: (flags["peer-interval"] as number | undefined) ?? 50,
        prefixBlocksPerSecond:
          (flags["peer-prefix-blocks"] as number | undefined) ?? DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND,
        resolveIntervalMs: (flags["peer-resolve-interval"] as number | undefined) ?? 5000,
        pushToken: tokens.pushToken,
        store,
        metrics: peerMetrics,
      })
    : undefined;
  log("info", "config loaded", {
    path: configPath ?? null,
    pools: resources.pools.map((p) => p.name),
    auth: { push: !!tokens.pushToken, read: !!tokens.readToken },
  });
  log("info", "scheduler", { ...describeScheduler(resources) });
  warnFlowControlIgnored(resources);

  return {
    ports: Object.fromEntries(listeners.map(([name, l]) => [name, l.port])),
    store,
    core,
    async close() {
      await peers?.close();
      await edgePush?.close();
      shutdown.abort();
      clearInterval(sweep);
      pickerListeners.stop();
      httpRouter.close();
      stopWatch();
      core.dispose();
      await Promise.all(listeners.map(([, l]) => l.close()));
      // After the listeners: spans of requests that drained are exported too.
      await tracing?.shutdown();
    },
  };
}

const summary =
  "Runs the router: the pool-state Connect API, the Envoy ext_proc picker, the OpenAI-compatible HTTP router,\ngRPC health and Prometheus metrics.";

/** CLI entry: parses flags, starts, and drains on SIGTERM/SIGINT. Exit codes: 0 ok, 2 bad usage or config. */
export async function serveMain(argv: string[]): Promise<void> {
  let flags: FlagValues;
  try {
    const parsed = parseFlags(serveFlags, argv, process.env);
    if (parsed.help) {
      process.stdout.write(
        formatHelp("inference-router serve [--config PATH] [options]", summary, serveFlags),
      );
      return;
    }
    flags = parsed.values;
    setLogLevel(((flags["log-level"] as string | undefined) ?? "info") as LogLevel);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`inference-router serve: ${err.message}\nRun with --help for the options.\n`);
      process.exit(2);
    }
    throw err;
  }
  let server: RunningServer;
  try {
    server = await startServe(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`inference-router serve: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`inference-router serve: ${err.message}\nRun with --help for the options.\n`);
      process.exit(2);
    }
    log("error", "failed to start", { error: String(err) });
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "draining", { signal });
    server.close().then(
      () => {
        log("info", "stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log("error", "shutdown failed", { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
