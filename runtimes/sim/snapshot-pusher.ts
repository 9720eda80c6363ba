/**
 * Pushes one replica's snapshot to the router's PushSnapshot every interval, with its own source id,
 * through the shared push loop (restart-safe sequence; backoff while the router is unreachable,
 * doubling from two intervals up to 5 s or one interval; each change of state logged once). Never throws.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { backoffForInterval } from "../../src/push/backoff.js";
import { logPushChanges } from "../../src/push/log-push-changes.js";
import { createPushLoop } from "../../src/push/push-loop.js";
import { endpointSnapshotOf, type ReplicaIdentity } from "../../src/sim/endpoint-snapshot.js";
import type { EngineMetrics } from "../../src/sim/index.js";
import { log } from "../node/log.js";

export interface PusherOptions {
  /** Router API base URL, e.g. http://127.0.0.1:9004. */
  url: string;
  pool: string;
  source: string;
  intervalMs: number;
  token: string | undefined;
  replica: number;
  identity: () => ReplicaIdentity;
  metrics: () => EngineMetrics;
}

const maxBackoffMs = 5000;

/** Starts the loop; the returned function stops it (cutting a push in flight). */
export function startPusher(o: PusherOptions): () => void {
  const client = createClient(
    PoolStateService,
    createConnectTransport({ baseUrl: o.url, httpVersion: "1.1" }),
  );
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const timeoutMs = Math.max(1000, o.intervalMs * 5);
  const loop = createPushLoop({
    intervalMs: o.intervalMs,
    timeoutMs,
    backoff: backoffForInterval(o.intervalMs, maxBackoffMs),
    clock: { now: () => Date.now() },
    random: { next: Math.random },
    produce: () =>
      create(PushSnapshotRequestSchema, {
        pool: o.pool,
        source: o.source,
        observedAt: timestampFromMs(Date.now()),
        endpoints: [endpointSnapshotOf(o.identity(), o.metrics())],
      }),
    send: {
      mode: "unary",
      async push(request, signal) {
        await client.pushSnapshot(request, { headers, signal, timeoutMs });
      },
    },
    onPush: logPushChanges(log, "push", { service: "sim", replica: o.replica, url: o.url }),
  });
  loop.start();
  return () => void loop.close();
}
