/**
 * Scale-out benchmark (issue 22): the quality matrix's "router replicas" axis with and without peer
 * sharing, in virtual time with the real store, scheduler and peer fold. Per workload and load: one
 * router taking all traffic, 3 routers each seeing only its own in-flight, and 3 routers sharing
 * in-flight every 50 ms (serve --peers); then the peer traffic at 1,000 req/s.
 *
 *   node --import tsx test/bench/peer-sharing.bench.ts
 *
 * Environment: PEER_BENCH_DURATION_S (default 60), PEER_BENCH_JOBS (default 2), PEER_BENCH_SEED (42),
 * PEER_BENCH_STRATEGY (default "ours", our default profile).
 */
import { DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND } from "../../src/push/peer-publisher.js";
import { helpOrRun } from "./bench-help.js";
import { engineProfile } from "./quality/engines.js";
import type { PointTask } from "./quality/run-point.js";
import { runSimulation } from "./quality/simulation.js";
import { strategiesNamed } from "./quality/strategies.js";
import { runTasks } from "./quality/worker-pool.js";
import { workloads } from "./quality/workloads/index.js";
import { generateStream } from "./quality/workloads/stream.js";

helpOrRun(
  "node --import tsx test/bench/peer-sharing.bench.ts\n" +
    "  3 router replicas with and without peer sharing vs one router, sharegpt and shared-prefix at 80/100% load;\n" +
    "  peer bytes per endpoint per second at 1,000 req/s. Env: PEER_BENCH_DURATION_S, PEER_BENCH_JOBS, PEER_BENCH_SEED, PEER_BENCH_STRATEGY,\n" +
    "  QUALITY_PEER_PREFIX_BLOCKS (prefix blocks per endpoint per second, default 32; 0 = in-flight only), PEER_BENCH_TRAFFIC_ONLY=1.",
);

const durationS = Number(process.env.PEER_BENCH_DURATION_S ?? 60);
const jobs = Number(process.env.PEER_BENCH_JOBS ?? 2);
const seed = Number(process.env.PEER_BENCH_SEED ?? 42);
const strategy = process.env.PEER_BENCH_STRATEGY ?? "ours";
/** Prefix blocks per endpoint per second in peer reports (serve --peer-prefix-blocks); 0 = in-flight only. */
const prefixBlocksPerSecond = Number(
  process.env.QUALITY_PEER_PREFIX_BLOCKS ?? DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND,
);
/** Only the peer-traffic figure (skips the p90 table). */
const trafficOnly = process.env.PEER_BENCH_TRAFFIC_ONLY === "1";
const replicas = 10;
const pushIntervalMs = 100;

/**
 * Round-robin's saturation point (req/s, 10 replicas of llama2-7b-h100, pushes every 100 ms, seed 42),
 * as the quality matrix measured it (test/bench/results/summary.md: 100% = 270.1 and 67.3 QPS).
 */
const saturation: Record<string, number> = { sharegpt: 270.1, "shared-prefix": 67.3 };

const variants = [
  { name: "1 router", routers: 1 },
  { name: "3 routers, own in-flight only", routers: 3 },
  { name: "3 routers, peer sharing 50 ms", routers: 3, peerIntervalMs: 50 },
] as const;

function task(workload: string, loadPercent: number, v: (typeof variants)[number]): PointTask {
  return {
    workload,
    engine: "h100",
    routers: v.routers,
    qps: Math.round(saturation[workload]! * loadPercent) / 100,
    grid: `sat:${loadPercent}`,
    strategies: [strategy],
    durationS,
    seed,
    burstiness: 1,
    replicas,
    pushIntervalMs,
    pushDelayMs: [5, 20],
    connections: 32,
    ...("peerIntervalMs" in v ? { peerIntervalMs: v.peerIntervalMs } : {}),
  };
}

/** The p90 table: 1 router vs 3 without and with sharing. */
async function table(): Promise<void> {
  const points: { workload: string; load: number }[] = [];
  for (const workload of Object.keys(saturation))
    for (const load of [80, 100]) points.push({ workload, load });
  const tasks = points.flatMap((p) => variants.map((v) => task(p.workload, p.load, v)));
  const rows = await runTasks(tasks, jobs, "peer sharing");
  console.log(
    `\n## p90 e2e (s), strategy ${strategy}, ${replicas} replicas, pushes every ${pushIntervalMs} ms, ${durationS} s per point, seed ${seed}\n`,
  );
  console.log(
    "| workload | load | QPS | 1 router | 3 routers, own only | gap | 3 routers, peer sharing | gap | target (<= 5%) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  points.forEach((p, i) => {
    const [one, alone, shared] = [0, 1, 2].map((k) => rows[i * 3 + k]![0]!);
    const s = (x: number) => (x / 1000).toFixed(2);
    const gap = (x: number) => `${(((x - one!.e2eP90) / one!.e2eP90) * 100).toFixed(1)}%`;
    const met = shared!.e2eP90 <= one!.e2eP90 * 1.05 ? "MET" : "MISSED";
    console.log(
      `| ${p.workload} | ${p.load}% | ${one!.qps} | ${s(one!.e2eP90)} | ${s(alone!.e2eP90)} | ${gap(alone!.e2eP90)} | ${s(shared!.e2eP90)} | ${gap(shared!.e2eP90)} | ${met} |`,
    );
  });
}

async function main(): Promise<void> {
  if (!trafficOnly) await table();
  // Peer traffic: 3 routers at 1,000 req/s of sharegpt over a pool big enough to serve it at ~80%.
  const qps = 1000;
  const pool = Math.ceil(qps / (saturation.sharegpt! / replicas) / 0.8);
  const trafficS = Math.min(durationS, 20);
  const requests = generateStream(workloads.get("sharegpt")!, {
    qps,
    durationMs: trafficS * 1000,
    seed,
    burstiness: 1,
  });
  const engine = engineProfile("h100");
  const result = runSimulation(
    requests,
    {
      replicas: pool,
      preset: engine.preset,
      engines: engine.replicas,
      routers: 3,
      pushIntervalMs,
      pushDelayMs: [5, 20],
      seed,
      config: strategiesNamed([strategy])[0]!.config,
      peerSharing: { intervalMs: 50, delayMs: [1, 5], prefixBlocksPerSecond },
    },
    [0, trafficS * 1000],
  );
  const seconds = trafficS;
  const perRouter = result.peerWindowBytes! / 3 / seconds;
  const perEndpoint = perRouter / pool;
  const perLink = perEndpoint / 2;
  console.log(
    `\n## Peer traffic at ${qps} req/s (3 routers, ${pool} endpoints, ${seconds.toFixed(0)} s of arrivals, reports every 50 ms)\n`,
  );
  console.log(
    `reports delivered: ${result.peerReports} (whole run); bytes in the arrival window on the wire (protobuf + envelope + HTTP/2 frame header): ${result.peerBytes}`,
  );
  console.log(
    `per router: ${(perRouter / 1024).toFixed(1)} KiB/s sent; per endpoint: ${perEndpoint.toFixed(0)} B/s sent (to 2 peers), ${perLink.toFixed(0)} B/s per peer link`,
  );
  console.log(
    `target (<= 1 KB per endpoint per second per replica): ${perEndpoint <= 1000 ? "MET" : "MISSED"} (${perEndpoint.toFixed(0)} B)`,
  );
}

await main();
