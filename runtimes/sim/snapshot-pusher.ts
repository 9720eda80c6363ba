/**
 * Pushes one replica's snapshot to the router's PushSnapshot every interval, with its own source id
 * and an increasing sequence. Backs off (doubling, up to 5 s) while the router is unreachable and
 * logs each change of state once; never throws.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
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

/** Starts the loop; the returned function stops it. */
export function startPusher(o: PusherOptions): () => void {
  const client = createClient(
    PoolStateService,
    createConnectTransport({ baseUrl: o.url, httpVersion: "1.1" }),
  );
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  // Start from the clock so a restarted simulator is not refused as a replay of its old sequence.
  let sequence = BigInt(Date.now()) * 1000n;
  let failures = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const abort = new AbortController();

  async function pushOnce(): Promise<void> {
    sequence++;
    const req = create(PushSnapshotRequestSchema, {
      pool: o.pool,
      source: o.source,
      sequence,
      observedAt: timestampFromMs(Date.now()),
      endpoints: [endpointSnapshotOf(o.identity(), o.metrics())],
    });
    try {
      await client.pushSnapshot(req, {
        headers,
        signal: abort.signal,
        timeoutMs: Math.max(1000, o.intervalMs * 5),
      });
      if (failures > 0)
        log("info", "push recovered", { service: "sim", replica: o.replica, after: failures });
      failures = 0;
    } catch (err) {
      if (stopped) return;
      const e = ConnectError.from(err);
      if (failures === 0 || failures % 50 === 0)
        log("warn", "push failed", {
          service: "sim",
          replica: o.replica,
          url: o.url,
          code: Code[e.code],
          error: e.rawMessage,
          failures: failures + 1,
        });
      failures++;
    }
  }

  const loop = async () => {
    await pushOnce();
    if (stopped) return;
    const delay =
      failures === 0 ? o.intervalMs : Math.min(maxBackoffMs, o.intervalMs * 2 ** Math.min(failures, 10));
    timer = setTimeout(loop, delay);
  };
  void loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
    abort.abort();
  };
}
