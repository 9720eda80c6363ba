/** Starts one simulated replica: an engine in real time, its HTTP server and, optionally, its pusher. */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createSeededRandom } from "../../src/core/random.js";
import type { PushTargetSpec } from "../../src/push/push-targets.js";
import type { TargetWatch } from "../../src/push/target-watch.js";
import type { FaultKnobs } from "../../src/sim/fault-plan.js";
import {
  createEngine,
  defaultKvLinkBytesPerSec,
  type EngineOptions,
  presetAccelerators,
  roleLabels,
  type SimRole,
} from "../../src/sim/index.js";
import { log } from "../node/log.js";
import { watchPushTargets } from "../node/push-targets-node.js";
import { RealtimeEngine } from "./realtime-engine.js";
import { createReplicaApp } from "./replica-app.js";
import { newHistograms, type ReplicaState } from "./replica-state.js";
import { startPusher } from "./snapshot-pusher.js";

/** Options of one replica (the CLI builds one per --replicas). */
export interface ReplicaOptions {
  index: number;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Address advertised in snapshots and headers; default host (127.0.0.1 for a wildcard host). */
  advertiseHost?: string;
  engine: EngineOptions;
  /** Wall ms per virtual ms. Default 1. */
  timeScale?: number;
  seed: number;
  models?: readonly string[];
  adapters?: readonly string[];
  faults: FaultKnobs;
  slowStartMs: number;
  defaultMaxTokens: number;
  maxTokensCap: number;
  /** Disaggregated serving role (default "both": no role label). */
  role?: SimRole;
  /** Bandwidth of the KV link to prefill replicas, bytes/s (default 50e9, a 400 Gb/s NIC). */
  kvLinkBytesPerSec?: number;
  push?: {
    /** Router replicas (URLs, or names resolved to every address). */
    targets: readonly PushTargetSpec[];
    /** How often names are looked up again, ms; 0 = use them as they are. */
    resolveIntervalMs: number;
    pool: string;
    intervalMs: number;
    token?: string;
    source?: string;
    labels: Record<string, string>;
  };
}

export interface RunningReplica {
  index: number;
  port: number;
  address: string;
  state: ReplicaState;
  /**
   * Leaves the pool as a pod being deleted does: the last push says the endpoint is gone, then the
   * server keeps answering for `drainMs` (requests still arriving are counted), then closes. Logs
   * `{"msg":"replica removed", "requestsAfterRemoval": n}`.
   */
  remove(drainMs: number): Promise<void>;
  close(): Promise<void>;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Listens, logs `{"msg":"listening","service":"sim","replica":i,"port":P}`, and starts pushing to every
 * target of `watch` (one watch shared by the replicas of a process; default: its own).
 */
export async function startReplica(o: ReplicaOptions, watch?: TargetWatch): Promise<RunningReplica> {
  const engine = createEngine(o.engine, { random: createSeededRandom(o.seed * 7919 + o.index) });
  const rt = new RealtimeEngine(engine, o.timeScale ?? 1);
  const s: ReplicaState = {
    index: o.index,
    address: "",
    rt,
    modelName: o.models?.[0] ?? "sim-model",
    models: o.models,
    adapters: new Set(o.adapters ?? []),
    faults: o.faults,
    random: createSeededRandom(o.seed * 104729 + o.index + 1),
    defaultMaxTokens: o.defaultMaxTokens,
    maxTokensCap: o.maxTokensCap,
    readyAt: Date.now() + o.slowStartMs,
    nextId: 1,
    requestsAfterRemoval: 0,
    role: o.role ?? "both",
    kvLinkBytesPerSec: o.kvLinkBytesPerSec ?? defaultKvLinkBytesPerSec,
    timeScale: o.timeScale ?? 1,
    pd: { remotePrefills: 0, prefillFallbacks: 0 },
    ...newHistograms(),
  };
  const app = createReplicaApp(s);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const srv = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, () => resolve(srv));
    srv.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const wildcard = o.host === "0.0.0.0" || o.host === "::";
  s.address = hostPort(o.advertiseHost ?? (wildcard ? "127.0.0.1" : o.host), port);
  log("info", "listening", { service: "sim", replica: o.index, port, host: o.host, address: s.address });

  const p = o.push;
  // What the preset stands for, so the router can normalise load by capacity; --labels may override it.
  const accelerator = presetAccelerators[engine.config.preset];
  const acceleratorLabel: Record<string, string> =
    accelerator !== undefined ? { "inference-router.dev/accelerator": accelerator } : {};
  const ownWatch = p && !watch ? watchPushTargets(p.targets, p.resolveIntervalMs, "push") : undefined;
  const targets = watch ?? ownWatch;
  const stopPush =
    p && targets
      ? startPusher({
          targets,
          pool: p.pool,
          source: p.source ?? `sim-${s.address}`,
          intervalMs: p.intervalMs,
          token: p.token,
          replica: o.index,
          identity: () => ({
            address: s.address,
            ready: Date.now() >= s.readyAt,
            labels: { ...acceleratorLabel, ...p.labels, ...roleLabels(o.role ?? "both") },
            // No --models: any model name is served, which the API says with an empty list.
            models: o.models ? [...o.models, ...(o.adapters ?? [])] : [],
          }),
          metrics: () => engine.metrics(),
        })
      : async () => {};

  const close = async () => {
    await stopPush();
    ownWatch?.close();
    rt.stop();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Streams still open would hold close() forever: cut them.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  };
  return {
    index: o.index,
    port,
    address: s.address,
    state: s,
    async remove(drainMs) {
      await stopPush();
      s.removedAt = Date.now();
      await new Promise((r) => setTimeout(r, drainMs));
      log("info", "replica removed", {
        service: "sim",
        replica: o.index,
        address: s.address,
        requestsAfterRemoval: s.requestsAfterRemoval,
      });
      await close();
    },
    close,
  };
}
