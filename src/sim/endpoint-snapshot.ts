/** One simulated replica as the router's snapshot API sees it (engine "sim"). */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { EndpointSnapshotSchema } from "../gen/inferencerouter/v1/pool_state_pb.js";
import type { EndpointMetrics } from "../state/types.js";
import type { EngineMetrics } from "./engine-types.js";

/** What a replica knows about itself besides its engine's metrics. */
export interface ReplicaIdentity {
  /** "ip:port" (IPv6 in brackets). */
  address: string;
  ready: boolean;
  labels: Record<string, string>;
  /** Models served (base names and adapters); empty = any model of the pool. */
  models: readonly string[];
}

/**
 * The endpoint of a push, from identity and live metrics.
 *
 * @example
 * create(PushSnapshotRequestSchema, { pool, source, sequence, endpoints: [endpointSnapshotOf(me, engine.metrics())] });
 */
export function endpointSnapshotOf(
  me: ReplicaIdentity,
  m: EngineMetrics,
): MessageInitShape<typeof EndpointSnapshotSchema> {
  return {
    address: me.address,
    ready: me.ready,
    engine: "sim",
    labels: me.labels,
    models: [...me.models],
    metrics: endpointMetricsOf(m),
  };
}

/** The engine's figures a router snapshot carries (the router's EndpointMetrics; adapter lists copied). */
export function endpointMetricsOf(
  m: EngineMetrics,
): EndpointMetrics & { activeAdapters: string[]; waitingAdapters: string[] } {
  return {
    waitingRequests: m.waitingRequests,
    runningRequests: m.runningRequests,
    kvCacheUsage: m.kvCacheUsage,
    activeAdapters: [...m.activeAdapters],
    waitingAdapters: [...m.waitingAdapters],
    maxAdapters: m.maxAdapters,
    blockSize: m.blockSize,
    numBlocks: m.numBlocks,
  };
}
