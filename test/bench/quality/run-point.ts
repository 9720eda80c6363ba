/** One matrix point for a list of strategies: the stream is generated once and shared. */
import { engineProfile } from "./engines.js";
import { runSimulation, type SimulationOptions } from "./simulation.js";
import { strategiesNamed } from "./strategies.js";
import { type ResultRow, summarize } from "./summary.js";
import { workloads } from "./workloads/index.js";
import { generateStream } from "./workloads/stream.js";

/** A unit of work (also the message a worker process receives). */
export interface PointTask {
  workload: string;
  /** Engine profile name (engines.ts). */
  engine: string;
  /** Router replicas splitting the traffic. */
  routers: number;
  qps: number;
  grid: string;
  strategies: string[];
  durationS: number;
  seed: number;
  burstiness: number;
  replicas: number;
  pushIntervalMs: number;
  pushDelayMs: [number, number];
  /** Keep-alive connections of the client for the kubernetes-service strategy (K). */
  connections: number;
  /** Router replicas share in-flight counts every this many ms (serve --peers); absent = no sharing. */
  peerIntervalMs?: number;
}

/** Warm-up left out of the measurement: the first third of the arrival window (the batch fills up over ~p90 e2e). */
export const warmupFraction = 1 / 3;

/** Runs every strategy of the task on the same stream. */
export function runPoint(task: PointTask): ResultRow[] {
  const workload = workloads.get(task.workload);
  if (!workload)
    throw new Error(`--workload: unknown "${task.workload}" (known: ${[...workloads.keys()].join(", ")})`);
  const durationMs = task.durationS * 1000;
  const requests = generateStream(workload, {
    qps: task.qps,
    durationMs,
    seed: task.seed,
    burstiness: task.burstiness,
  });
  const window: [number, number] = [durationMs * warmupFraction, durationMs];
  const engine = engineProfile(task.engine);
  return strategiesNamed(task.strategies).map((s) => {
    const options: SimulationOptions = {
      replicas: task.replicas,
      preset: engine.preset,
      engines: engine.replicas,
      routers: task.routers,
      pushIntervalMs: task.pushIntervalMs,
      pushDelayMs: task.pushDelayMs,
      seed: task.seed,
      config: s.config,
    };
    if (workload.engine) options.engine = workload.engine;
    // Peer reports take 1..5 ms over the cluster network (one HTTP/2 frame on a held stream).
    if (task.peerIntervalMs !== undefined)
      options.peerSharing = { intervalMs: task.peerIntervalMs, delayMs: [1, 5] };
    if (s.clientPool) options.connections = { count: task.connections };
    const result = runSimulation(requests, options, window);
    return summarize(requests, result, window, {
      workload: task.workload,
      engine: task.engine,
      pushIntervalMs: task.pushIntervalMs,
      routers: task.routers,
      ...(task.peerIntervalMs !== undefined ? { peerIntervalMs: task.peerIntervalMs } : {}),
      strategy: s.name,
      qps: task.qps,
      grid: task.grid,
    });
  });
}
