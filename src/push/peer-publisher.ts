/**
 * A router replica's side of peer sharing: every `intervalMs` (default 50 ms) it tells each peer what
 * it has sent since each endpoint's last engine push (PushPeerLoad / StreamPeerLoad), when that
 * changed, and at least every `heartbeatMs` when it did not (so peers know it is alive). Peers are
 * found as producers find routers (a list or a headless Service name, src/push/target-watch.ts); a
 * target that turns out to be this replica refuses with AlreadyExists and its loop stops.
 */
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { Clock } from "../core/clock.js";
import type { Random } from "../core/random.js";
import {
  type PushPeerLoadRequest,
  PushPeerLoadRequestSchema,
} from "../gen/inferencerouter/v1/pool_state_pb.js";
import type { PoolStore } from "../state/pool-store.js";
import { createPushFanout, type PushFanout } from "./push-fanout.js";
import { type PushEvent, type PushSend, REFUSALS_THAT_CANNOT_SUCCEED } from "./push-loop.js";
import type { PushTarget } from "./push-targets.js";
import type { TargetWatch } from "./target-watch.js";
import type { Timers } from "./timers.js";

/** Peer sharing settings (serve's --peers, --peer-interval). */
export interface PeerPublisherOptions {
  store: PoolStore;
  /** This replica's peer id, unique per process. */
  source: string;
  peers: TargetWatch;
  sendTo(target: PushTarget): PushSend<PushPeerLoadRequest>;
  /** Shortest time between reports, ms. Default 50. */
  intervalMs?: number;
  /** Longest time between reports while nothing changes, ms. Default 500. */
  heartbeatMs?: number;
  /** Most prefix blocks reported per endpoint per second; 0 = placements are not shared. Default 32 (in batches of 16: peer traffic stays under 1 KB per endpoint per second). */
  prefixBlocksPerSecond?: number;
  clock: Clock;
  random: Random;
  timers?: Timers;
  onPush?(target: PushTarget, event: PushEvent<PushPeerLoadRequest>): void;
}

/** Default cap on prefix blocks reported per endpoint per second (serve --peer-prefix-blocks). */
export const DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND = 32;

type PeerEndpointInit = {
  address: string;
  requests: number;
  tokens: bigint;
  engineSequence: bigint;
  prefixBlocks?: number[];
};

/**
 * The report of `store`'s own between-push counts and, when the scheduler shares its prefix index and
 * `prefixBlocksPerSecond` > 0, the blocks it placed since the last report (a message without its
 * sequence). Taking the blocks consumes them: call once per report.
 */
export function peerReportMessage(
  store: PoolStore,
  source: string,
  now = 0,
  prefixBlocksPerSecond = 0,
): PushPeerLoadRequest {
  const own = store.ownSincePush();
  const exchange = prefixBlocksPerSecond > 0 ? store.placements : undefined;
  const pools: { pool: string; endpoints: PeerEndpointInit[] }[] = [];
  for (const view of exchange ? store.pools() : []) {
    const figures = own.get(view.name);
    const endpoints: PeerEndpointInit[] = [];
    for (const e of view.endpoints) {
      const f = figures?.get(e.address);
      const blocks = exchange!.take(e.address, now, prefixBlocksPerSecond);
      if (f === undefined && blocks.length === 0) continue;
      const entry: PeerEndpointInit = {
        address: e.address,
        requests: f?.requests ?? 0,
        tokens: BigInt(Math.round(f?.tokens ?? 0)),
        engineSequence: f?.engineSequence ?? e.sequence,
      };
      if (blocks.length > 0) entry.prefixBlocks = blocks as number[];
      endpoints.push(entry);
    }
    if (endpoints.length > 0) pools.push({ pool: view.name, endpoints });
  }
  if (!exchange)
    for (const [pool, byAddress] of own)
      pools.push({
        pool,
        endpoints: [...byAddress].map(([address, f]) => ({
          address,
          requests: f.requests,
          tokens: BigInt(Math.round(f.tokens)),
          engineSequence: f.engineSequence,
        })),
      });
  return create(PushPeerLoadRequestSchema, { source, sequence: 0n, pools });
}

/** A key that changes whenever the report's content does; undefined for a report with placements. */
function contentKey(m: PushPeerLoadRequest): string | undefined {
  let key = "";
  for (const p of m.pools) {
    key += `|${p.pool}`;
    for (const e of p.endpoints) {
      // Placements are news (taken once): a report carrying any is never skipped as unchanged.
      if (e.prefixBlocks.length > 0) return undefined;
      key += `;${e.address},${e.requests},${e.tokens},${e.engineSequence}`;
    }
  }
  return key;
}

/**
 * Creates the publisher (not yet started: call start()).
 *
 * @example
 * const peers = createPeerPublisher({ store, source: "peer-host-1a2b", peers: watch, sendTo, clock, random });
 * peers.start();
 */
export function createPeerPublisher(o: PeerPublisherOptions): PushFanout {
  const intervalMs = o.intervalMs ?? 50;
  const heartbeatMs = o.heartbeatMs ?? 500;
  const blocksPerSecond = o.prefixBlocksPerSecond ?? DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND;
  if (blocksPerSecond > 0) o.store.sharePlacements();
  let lastKey: string | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  return createPushFanout<PushPeerLoadRequest>({
    targets: o.peers,
    sendTo: o.sendTo,
    intervalMs,
    timeoutMs: Math.max(1000, intervalMs * 10),
    // First retry after 100 ms..., up to 5 s: a peer that went away costs little.
    backoff: { initialMs: Math.max(100, intervalMs * 2), maxMs: 5000, factor: 2, jitter: 0.5 },
    stopOn: [...REFUSALS_THAT_CANNOT_SUCCEED, Code.AlreadyExists],
    produce() {
      const now = o.clock.now();
      const m = peerReportMessage(o.store, o.source, now, blocksPerSecond);
      const key = contentKey(m);
      if (key !== undefined && key === lastKey && now - lastAt < heartbeatMs) return undefined;
      lastKey = key;
      lastAt = now;
      return m;
    },
    clock: o.clock,
    random: o.random,
    ...(o.timers ? { timers: o.timers } : {}),
    ...(o.onPush ? { onPush: o.onPush } : {}),
  });
}
