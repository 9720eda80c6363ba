/** Converts the store's views into PoolStateService messages. */
import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Pool, PoolSchema } from "../gen/inferencerouter/v1/pool_state_pb.js";
import { MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS } from "../state/timestamp.js";
import type { PoolView } from "../state/types.js";

const MIN_MS = Number(MIN_TIMESTAMP_SECONDS) * 1000;
const MAX_MS = Number(MAX_TIMESTAMP_SECONDS) * 1000 + 999;

/**
 * A Timestamp JSON can always encode: pushes are range-checked where they come in, and this clamp
 * keeps one bad time (a clock in year 9999, a rounding at the edge) from failing every JSON read.
 */
function ts(ms: number): Timestamp {
  return timestampFromMs(Math.min(Math.max(Math.round(ms), MIN_MS), MAX_MS));
}

/** The pool as an API message; `isStale` decides each endpoint's `stale` flag. */
export function poolToProto(pool: PoolView, isStale: (receivedAt: number) => boolean): Pool {
  return create(PoolSchema, {
    name: pool.name,
    targetPorts: [...pool.targetPorts],
    revision: BigInt(pool.revision),
    sources: pool.sources.map((s) => ({
      source: s.source,
      sequence: s.sequence,
      observedAt: ts(s.observedAt),
      receivedAt: ts(s.receivedAt),
      kind: s.kind ?? "engine",
    })),
    endpoints: [...pool.endpoints].sort(byAddress).map((e) => ({
      address: e.address,
      ready: e.ready,
      labels: { ...e.labels },
      engine: e.engine,
      models: [...e.models],
      metrics: {
        ...e.metrics,
        activeAdapters: [...e.metrics.activeAdapters],
        waitingAdapters: [...e.metrics.waitingAdapters],
      },
      source: e.source,
      sequence: e.sequence,
      observedAt: ts(e.observedAt),
      receivedAt: ts(e.receivedAt),
      stale: isStale(e.receivedAt),
      inFlight: {
        requests: e.inFlight.requests,
        tokens: BigInt(Math.round(e.inFlight.tokens)),
        peerRequests: e.peers?.requests ?? 0,
        peerTokens: BigInt(Math.round(e.peers?.tokens ?? 0)),
      },
    })),
  });
}

function byAddress(a: { address: string }, b: { address: string }): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}
