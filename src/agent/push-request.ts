/** The PushSnapshotRequest an agent sends: one endpoint, its own source and sequence. */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type PushSnapshotRequest,
  PushSnapshotRequestSchema,
} from "../gen/inferencerouter/v1/pool_state_pb.js";
import type { EndpointMetrics } from "../state/types.js";

/** Everything one push carries. */
export interface AgentPush {
  pool: string;
  source: string;
  sequence: bigint;
  /** When the metrics were scraped, ms since the epoch. */
  observedAt: number;
  /** "ip:port" of the engine (the pod IP and the serving port). */
  address: string;
  ready: boolean;
  engine: string;
  labels: Readonly<Record<string, string>>;
  /** Models served; empty = any model of the pool. */
  models: readonly string[];
  metrics: EndpointMetrics;
}

/** Builds the protobuf request for one push. */
export function pushRequestFromAgentPush(p: AgentPush): PushSnapshotRequest {
  return create(PushSnapshotRequestSchema, {
    pool: p.pool,
    source: p.source,
    sequence: p.sequence,
    observedAt: timestampFromMs(Math.floor(p.observedAt)),
    endpoints: [
      {
        address: p.address,
        ready: p.ready,
        engine: p.engine,
        labels: { ...p.labels },
        models: [...p.models],
        metrics: {
          ...p.metrics,
          activeAdapters: [...p.metrics.activeAdapters],
          waitingAdapters: [...p.metrics.waitingAdapters],
        },
      },
    ],
  });
}
