/** One simulated replica's push, as the store receives it: its own source, one endpoint, engine metrics. */
import { endpointMetricsOf } from "../../../src/sim/endpoint-snapshot.js";
import type { EngineMetrics } from "../../../src/sim/index.js";
import type { Snapshot } from "../../../src/state/types.js";

/** The address of replica `i` ("10.0.x.y:8000"). */
export function replicaAddress(i: number): string {
  return `10.0.${i >> 8}.${(i & 255) + 1}:8000`;
}

/** The snapshot replica `i` pushes with sequence `sequence`, observed at `now` (virtual ms). */
export function replicaSnapshot(
  pool: string,
  i: number,
  m: EngineMetrics,
  sequence: bigint,
  now: number,
): Snapshot {
  const address = replicaAddress(i);
  return {
    pool,
    source: `replica-${i}`,
    sequence,
    observedAt: now,
    endpoints: [
      {
        address,
        ip: address.slice(0, address.lastIndexOf(":")),
        port: 8000,
        ready: true,
        labels: {},
        engine: "sim",
        models: [],
        metrics: endpointMetricsOf(m),
      },
    ],
  };
}
