import type { EndpointMetrics, Snapshot, SnapshotEndpoint } from "../../src/state/types.js";

export function metrics(over: Partial<EndpointMetrics> = {}): EndpointMetrics {
  return {
    waitingRequests: 0,
    runningRequests: 0,
    kvCacheUsage: 0,
    activeAdapters: [],
    waitingAdapters: [],
    maxAdapters: 0,
    blockSize: 16,
    numBlocks: 1000,
    ...over,
  };
}

export function endpoint(address: string, over: Partial<EndpointMetrics> = {}): SnapshotEndpoint {
  const colon = address.lastIndexOf(":");
  return {
    address,
    ip: address.slice(0, colon).replace(/^\[|\]$/g, ""),
    port: Number(address.slice(colon + 1)),
    ready: true,
    labels: {},
    engine: "sim",
    models: [],
    metrics: metrics(over),
  };
}

export function snapshot(
  sequence: number,
  endpoints: SnapshotEndpoint[],
  over: Partial<Snapshot> = {},
): Snapshot {
  return { pool: "pool-a", source: "agent-1", sequence: BigInt(sequence), observedAt: 0, endpoints, ...over };
}
