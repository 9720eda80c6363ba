/**
 * The state a bench pushes to `serve`: one idle replica (no queue, empty KV), sent through the
 * simulator's own push client every `intervalMs`, as a deployment's producer would.
 */
import { watchPushTargets } from "../../runtimes/node/push-targets-node.js";
import { startPusher } from "../../runtimes/sim/snapshot-pusher.js";
import { parsePushTargets } from "../../src/push/push-targets.js";
import type { EngineMetrics } from "../../src/sim/index.js";

/** An engine with nothing running, waiting or cached. */
export const idleEngine: EngineMetrics = {
  waitingRequests: 0,
  runningRequests: 0,
  kvCacheUsage: 0,
  usedBlocks: 0,
  numBlocks: 1000,
  blockSize: 16,
  cachedBlocks: 0,
  activeAdapters: [],
  waitingAdapters: [],
  maxAdapters: 0,
  prefixCacheQueries: 0,
  prefixCacheHits: 0,
  preemptions: 0,
  promptTokens: 0,
  generationTokens: 0,
  finishedRequests: 0,
  cancelledRequests: 0,
  steps: 0,
  busyMs: 0,
};

/** Pushes one idle replica at `address` to the router whose API listens on 127.0.0.1:`api`; returns stop. */
export function pushIdleReplica(o: { api: number; address: string; source: string; intervalMs: number }) {
  return startPusher({
    targets: watchPushTargets(parsePushTargets(`http://127.0.0.1:${o.api}`, "push"), 0, "push"),
    pool: "bench",
    source: o.source,
    intervalMs: o.intervalMs,
    token: undefined,
    replica: 0,
    identity: () => ({ address: o.address, ready: true, labels: { app: "bench" }, models: [] }),
    metrics: () => idleEngine,
  });
}
