/**
 * The in-cluster picker's listeners for `serve`: ext_proc (9002), grpc.health.v1 (9003) and
 * Prometheus (9090), over one ext_proc processor. Each logs one "listening" line.
 */
import { setMaxListeners } from "node:events";
import type { Clock } from "../../src/core/clock.js";
import { extProcMaxEndpoints } from "../../src/extproc/endpoint-count.js";
import { createExtProcProcessor } from "../../src/extproc/index.js";
import { extProcMessageLimit } from "../../src/extproc/message-limit.js";
import { servedPool } from "../../src/extproc/served-pool.js";
import type { RouterCore } from "../../src/routing/router-core.js";
import { startExtProcServer } from "./extproc-server.js";
import { type FlagValues, UsageError } from "./flags.js";
import { EXT_PROC_SERVICE, startHealthServer } from "./health-server.js";
import { log } from "./log.js";
import { startMetricsServer } from "./metrics-server.js";
import { resolveTls, watchTls } from "./tls-material.js";

export interface PickerOptions {
  flags: FlagValues;
  core: RouterCore;
  host: string;
  clock: Clock;
  shutdownSignal: AbortSignal;
}

type Listener = [string, { port: number; close(): Promise<void> }];

/** Starts the three listeners; `stop` ends the session sweep (listeners close through their entries). */
export async function startPickerListeners(
  o: PickerOptions,
): Promise<{ listeners: Listener[]; stop(): void }> {
  const { flags, core } = o;
  const { store, resources } = core;
  // connect-node links every call to the shutdown signal: thousands of streams, thousands of listeners.
  setMaxListeners(0, o.shutdownSignal);
  const cfg = resources.router;
  const configured = resources.pools.map((p) => p.name);
  let pool: string | undefined;
  try {
    pool = servedPool(configured, flags["pool-name"] as string | undefined);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (pool === undefined && resources.pools.length > 1) {
    log("warn", "several pools and no --pool-name: ext_proc picks the pool from the model", {
      pools: resources.pools.map((p) => p.name),
    });
  }
  const processor = createExtProcProcessor({
    router: core,
    ...(pool !== undefined && { pool }),
    clock: o.clock,
    metrics: core.metrics,
    maxBodyBytes: core.limits.maxBodyBytes,
    maxEndpoints: extProcMaxEndpoints(resources),
    bodyMode: cfg.extproc.bodyMode,
  });
  // The body limit and the endpoint count follow reloads (the rest of the picker's settings wait for a restart).
  const unsubscribe = core.onReload((r) => {
    processor.setMaxBodyBytes(r.router.limits.maxBodyBytes);
    processor.setMaxEndpoints(extProcMaxEndpoints(r));
  });
  const sweep = setInterval(() => processor.sweep(), 1000);
  // Ready once a snapshot arrived for the picker's pool (or any pool when it serves several); a peer
  // replica's in-flight report is no snapshot.
  const ready = () =>
    store
      .pools()
      .some((p) => (pool === undefined || p.name === pool) && p.sources.some((s) => s.kind !== "peer"));
  const transport = (flags["extproc-transport"] as string | undefined) ?? "h2";
  if (transport !== "connect" && transport !== "h2") {
    throw new UsageError(`--extproc-transport: "${transport}" must be "connect" or "h2"`);
  }
  const tlsFlags = {
    secureServing: flags["secure-serving"] === true,
    certPath: flags["cert-path"] as string | undefined,
    keyPath: flags["key-path"] as string | undefined,
  };
  const tls = await resolveTls(tlsFlags);
  if (flags["enable-cert-reload"] === true && tls?.source !== "files")
    throw new UsageError("--enable-cert-reload: needs --cert-path (there is no file to watch)");
  const maxMessageBytes = extProcMessageLimit(cfg);
  const extproc = await startExtProcServer({
    processor,
    host: o.host,
    port: (flags["extproc-port"] as number | undefined) ?? cfg.listen.extprocPort,
    tls,
    maxMessageBytes,
    transport,
    shutdownSignal: o.shutdownSignal,
    metrics: core.metrics,
    windows: {
      connection: cfg.extproc.initialConnectionWindowSize,
      stream: cfg.extproc.initialStreamWindowSize,
    },
  });
  log("info", "listening", {
    service: "extproc",
    port: extproc.port,
    host: o.host,
    tls: extproc.tls,
    ...(tls !== undefined ? { certificate: tls.source } : {}),
    transport,
    bodyMode: cfg.extproc.bodyMode,
    maxMessageBytes,
    pool: pool ?? null,
  });
  const stopWatch =
    flags["enable-cert-reload"] === true
      ? watchTls(tlsFlags, {
          changed(material) {
            extproc.setTls(material);
            log("info", "certificate reloaded", { service: "extproc" });
          },
          refused(reason) {
            log("warn", "certificate not reloaded; the previous one stays", { service: "extproc", reason });
          },
        })
      : () => {};
  const health = await startHealthServer({
    host: o.host,
    port: (flags["health-port"] as number | undefined) ?? cfg.listen.healthPort,
    ready,
    onChange: (listener) => store.subscribe(listener),
    shutdownSignal: o.shutdownSignal,
  });
  log("info", "listening", {
    service: "health",
    port: health.port,
    host: o.host,
    grpcService: EXT_PROC_SERVICE,
  });
  const metrics = await startMetricsServer({
    host: o.host,
    port: (flags["metrics-port"] as number | undefined) ?? cfg.listen.metricsPort,
    expose: () => core.metrics.expose(),
    ready,
  });
  log("info", "listening", { service: "metrics", port: metrics.port, host: o.host });
  return {
    listeners: [
      ["extproc", extproc],
      ["health", health],
      ["metrics", metrics],
    ],
    stop() {
      unsubscribe();
      stopWatch();
      clearInterval(sweep);
      processor.closeAll();
    },
  };
}
