/** The benchmark's flags (each with an environment-variable twin), parsed and checked once. */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { strategies } from "./strategies.js";
import { workloads } from "./workloads/index.js";

/** Everything a sweep needs. */
export interface BenchOptions {
  seed: number;
  workloads: string[];
  strategies: string[];
  /** Explicit QPS list: replaces both grids. */
  qps: number[] | undefined;
  /** Absolute grid (sharegpt only, as upstream). */
  absoluteQps: number[];
  /** Relative grid, percent of round-robin's saturation. */
  saturationPercents: number[];
  durationS: number;
  pushIntervalMs: number;
  burstiness: number;
  replicas: number;
  /** Keep-alive connections of the kubernetes-service client (K). */
  connections: number;
  quick: boolean;
  /** Rebuild summary.md and the charts from the CSV files in --out, without running. */
  reportOnly: boolean;
  out: string;
  jobs: number;
}

export const usage = `Routing-quality benchmark (virtual time, real scheduler, simulated vLLM replicas).

  --seed N              seed of arrivals, contents, tie-breaks (env QUALITY_SEED, default 42)
  --workload a,b        sharegpt, shared-prefix, multi-turn, lora (env QUALITY_WORKLOAD, default all; quick: sharegpt,shared-prefix)
  --strategies a,b      ${strategies.map((s) => s.name).join(", ")} (env QUALITY_STRATEGIES, default all)
  --qps a,b             explicit QPS points instead of the grids (env QUALITY_QPS)
  --duration S          virtual seconds of arrivals per point; the first third is warm-up (env QUALITY_DURATION, default 60; quick 30)
  --push-interval MS    metrics push period per replica, virtual ms (env QUALITY_PUSH_INTERVAL, default 100)
  --bursty              gamma inter-arrivals of shape 0.25 instead of Poisson (env QUALITY_BURSTY=1)
  --replicas N          replicas of llama2-7b-h100 (env QUALITY_REPLICAS, default 10)
  --connections K       keep-alive connections of the kubernetes-service client, each bound to a random endpoint (env QUALITY_CONNECTIONS, default 8)
  --quick               reduced sweep (< 60 s): sharegpt + shared-prefix at 50/90/100% of saturation
  --report-only         rebuild summary.md and the charts from the CSV files already in --out
  --out DIR             results directory (env QUALITY_OUT, default test/bench/results; quick: test/bench/results/quick)
  --jobs N              worker processes (env QUALITY_JOBS, default the CPU count)
  --help`;

function list(v: string | undefined): string[] | undefined {
  return v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
}

function num(flag: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`${flag}: ${v} is not a number in [${min}, ${max}]`);
  return n;
}

/** Parses argv (flags win over environment variables). Throws naming the bad flag. */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | "help" {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: "string" },
      workload: { type: "string" },
      strategies: { type: "string" },
      qps: { type: "string" },
      duration: { type: "string" },
      "push-interval": { type: "string" },
      bursty: { type: "boolean" },
      replicas: { type: "string" },
      connections: { type: "string" },
      quick: { type: "boolean" },
      "report-only": { type: "boolean" },
      out: { type: "string" },
      jobs: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (v.help) return "help";
  const quick = v.quick === true;
  const wl =
    list(v.workload ?? env.QUALITY_WORKLOAD) ??
    (quick ? ["sharegpt", "shared-prefix"] : [...workloads.keys()]);
  for (const w of wl) {
    if (!workloads.has(w))
      throw new Error(`--workload: unknown "${w}" (known: ${[...workloads.keys()].join(", ")})`);
  }
  const st = list(v.strategies ?? env.QUALITY_STRATEGIES) ?? strategies.map((s) => s.name);
  for (const s of st) {
    if (!strategies.some((x) => x.name === s)) {
      throw new Error(`--strategies: unknown "${s}" (known: ${strategies.map((x) => x.name).join(", ")})`);
    }
  }
  if (!st.includes("round-robin")) st.unshift("round-robin");
  const qps = list(v.qps ?? env.QUALITY_QPS)?.map((q) => num("--qps", q, 0, 0.1, 100_000));
  const pushIntervalMs = num(
    "--push-interval",
    v["push-interval"] ?? env.QUALITY_PUSH_INTERVAL,
    100,
    1,
    60_000,
  );
  return {
    seed: num("--seed", v.seed ?? env.QUALITY_SEED, 42, 0, 2 ** 32 - 1),
    workloads: wl,
    strategies: st,
    qps,
    absoluteQps: quick ? [200] : [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
    saturationPercents: quick ? [50, 90, 100] : [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120],
    durationS: num("--duration", v.duration ?? env.QUALITY_DURATION, quick ? 30 : 60, 1, 3_600),
    pushIntervalMs,
    burstiness: (v.bursty ?? env.QUALITY_BURSTY === "1") ? 0.25 : 1,
    replicas: num("--replicas", v.replicas ?? env.QUALITY_REPLICAS, 10, 1, 1_000),
    connections: num("--connections", v.connections ?? env.QUALITY_CONNECTIONS, 8, 1, 10_000),
    quick,
    reportOnly: v["report-only"] === true,
    out: v.out ?? env.QUALITY_OUT ?? (quick ? "test/bench/results/quick" : "test/bench/results"),
    jobs: num("--jobs", v.jobs ?? env.QUALITY_JOBS, Math.max(1, availableParallelism()), 1, 64),
  };
}
