/** Converts the store's views into PoolStateService messages. */
import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Pool, PoolSchema } from "../gen/inferencerouter/v1/pool_state_pb.js";
import type { PoolView } from "../state/types.js";

function ts(ms: number): Timestamp {
  return timestampFromMs(Math.round(ms));
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
      inFlight: { requests: e.inFlight.requests, tokens: BigInt(Math.round(e.inFlight.tokens)) },
    })),
  });
}

function byAddress(a: { address: string }, b: { address: string }): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}
