/**
 * Pushes one replica's snapshot to every router replica's PushSnapshot every interval, with its own
 * source id, through the shared push fan-out (one loop per router replica; restart-safe sequence;
 * backoff per replica while it is unreachable, doubling from two intervals up to 5 s or one interval;
 * each change of state logged once). On close, one last push with no endpoint: the router forgets
 * this replica at once instead of waiting for its snapshot to go stale. Never throws.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { backoffForInterval } from "../../src/push/backoff.js";
import { logPushChanges } from "../../src/push/log-push-changes.js";
import { createPushFanout } from "../../src/push/push-fanout.js";
import type { TargetWatch } from "../../src/push/target-watch.js";
import { endpointSnapshotOf, type ReplicaIdentity } from "../../src/sim/endpoint-snapshot.js";
import type { EngineMetrics } from "../../src/sim/index.js";
import { log } from "../node/log.js";
import { transportFor } from "../node/push-targets-node.js";

export interface PusherOptions {
  /** The router replicas' API base URLs (http://127.0.0.1:9004, or every address of a name). */
  targets: TargetWatch;
  pool: string;
  source: string;
  intervalMs: number;
  token: string | undefined;
  replica: number;
  identity: () => ReplicaIdentity;
  metrics: () => EngineMetrics;
}

const maxBackoffMs = 5000;

/** Starts the loops; the returned function stops them (after the last push, bounded by the push timeout). */
export function startPusher(o: PusherOptions): () => Promise<void> {
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const timeoutMs = Math.max(1000, o.intervalMs * 5);
  const loop = createPushFanout({
    targets: o.targets,
    finalPush: true,
    intervalMs: o.intervalMs,
    timeoutMs,
    backoff: backoffForInterval(o.intervalMs, maxBackoffMs),
    clock: { now: () => Date.now() },
    random: { next: Math.random },
    produce: (final) =>
      create(PushSnapshotRequestSchema, {
        pool: o.pool,
        source: o.source,
        observedAt: timestampFromMs(Date.now()),
        endpoints: final ? [] : [endpointSnapshotOf(o.identity(), o.metrics())],
      }),
    sendTo(target) {
      const client = createClient(PoolStateService, transportFor(target, "1.1"));
      return {
        mode: "unary",
        async push(request, signal) {
          await client.pushSnapshot(request, { headers, signal, timeoutMs });
        },
      };
    },
    onPush: (target, event) =>
      logPushChanges(log, "push", { service: "sim", replica: o.replica, url: target.url })(event),
  });
  loop.start();
  return async () => {
    await loop.close();
  };
}
