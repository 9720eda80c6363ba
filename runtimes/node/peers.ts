/**
 * Peer sharing for `serve --peers`: this replica's id, the watch of the other replicas (a list or a
 * headless Service name, node:dns) and one held StreamPeerLoad call per peer over h2c. What is sent and
 * when is src/push/peer-publisher.ts; how it counts is src/state/peer-load.ts.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Code, createClient } from "@connectrpc/connect";
import {
  PoolStateService,
  type PushPeerLoadRequest,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import type { PeerMetrics } from "../../src/metrics/peer-metrics.js";
import { openHeldStream } from "../../src/push/held-stream.js";
import { logPushChanges } from "../../src/push/log-push-changes.js";
import { createPeerPublisher } from "../../src/push/peer-publisher.js";
import type { PushFanout } from "../../src/push/push-fanout.js";
import { parsePushTargets } from "../../src/push/push-targets.js";
import { defaultPeerReportLimits } from "../../src/state/peer-load.js";
import type { PoolStore } from "../../src/state/pool-store.js";
import { UsageError } from "./flags.js";
import { log } from "./log.js";
import { transportFor, watchPushTargets } from "./push-targets-node.js";

/** A process-unique peer id: the host name (the pod's name in Kubernetes) and 4 random bytes. */
export function newPeerSource(): string {
  return `peer-${hostname().slice(0, 200)}-${randomBytes(4).toString("hex")}`;
}

export interface PeerSharingOptions {
  /** `--peers`: comma-separated URLs of the replicas' API ports, or a headless Service name. */
  peers: string;
  source: string;
  intervalMs: number;
  /** `--peer-prefix-blocks`: prefix blocks per endpoint per second in each report; 0 = none. */
  prefixBlocksPerSecond: number;
  resolveIntervalMs: number;
  pushToken: string | undefined;
  store: PoolStore;
  /** Reports sent and failed per peer; default none. */
  metrics?: PeerMetrics;
}

/** @throws UsageError naming --peers and the bad entry. */
export function checkPeers(peers: string): ReturnType<typeof parsePushTargets> {
  try {
    return parsePushTargets(peers, "peers");
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** @throws UsageError when --peer-prefix-blocks is above what a peer accepts per endpoint (1024). */
export function checkPeerPrefixBlocks(n: number | undefined): void {
  const max = defaultPeerReportLimits.maxPrefixBlocksPerEndpoint;
  if (n !== undefined && n > max)
    throw new UsageError(
      `--peer-prefix-blocks: ${n} must be at most ${max} (a peer's limit per endpoint per report)`,
    );
}

/** Starts sharing; close() stops the loops and the watch. */
export async function startPeerSharing(
  o: PeerSharingOptions,
): Promise<{ close(): Promise<void>; fanout: PushFanout }> {
  const specs = checkPeers(o.peers);
  const watch = watchPushTargets(specs, o.resolveIntervalMs, "peers");
  await watch.ready;
  const headers: Record<string, string> = o.pushToken ? { authorization: `Bearer ${o.pushToken}` } : {};
  const fanout = createPeerPublisher({
    store: o.store,
    source: o.source,
    peers: watch,
    intervalMs: o.intervalMs,
    prefixBlocksPerSecond: o.prefixBlocksPerSecond,
    clock: { now: () => Date.now() },
    random: { next: Math.random },
    sendTo(target) {
      const client = createClient(PoolStateService, transportFor(target, "2"));
      return {
        mode: "stream",
        open: () =>
          openHeldStream<PushPeerLoadRequest>((requests, signal) =>
            client.streamPeerLoad(requests, { headers, signal }),
          ),
      };
    },
    onPush(target, event) {
      if (event.ok) o.metrics?.sent(target.url);
      else o.metrics?.sendFailed(target.url, event.error.code);
      if (!event.ok && event.stopped && event.error.code === Code.AlreadyExists) {
        log("info", "peer is this replica; not reporting to it", { peer: target.url });
        return;
      }
      logPushChanges(log, "peer report", { peer: target.url })(event);
    },
  });
  fanout.start();
  log("info", "peer sharing", {
    source: o.source,
    peers: o.peers,
    intervalMs: o.intervalMs,
    prefixBlocksPerSecond: o.prefixBlocksPerSecond,
  });
  return {
    fanout,
    async close() {
      watch.close();
      await fanout.close();
    },
  };
}
