/** The benchmark's flags (each with an environment-variable twin), parsed and checked once. */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { engineProfiles } from "./engines.js";
import { type MatrixAxes, peerAxisIntervalMs, type RouterSetting } from "./matrix.js";
import { strategies } from "./strategies.js";
import { candidateStrategies } from "./strategy-candidates.js";
import { experimentPushIntervalMs, experimentStrategies } from "./upstream-experiment.js";
import { matrixWorkloads, workloads } from "./workloads/index.js";

/** Everything a run needs. */
export interface BenchOptions {
  seed: number;
  /** The matrix's axes (the full run is their cross product, --quick a covering subset). */
  axes: MatrixAxes;
  strategies: string[];
  /** Explicit QPS list: replaces the load axis (no saturation search). */
  qps: number[] | undefined;
  durationS: number;
  burstiness: number;
  /** Endpoints (model-server replicas) in the pool. */
  replicas: number;
  /** Keep-alive connections of the kubernetes-service client (K). */
  connections: number;
  quick: boolean;
  /** Points of the --quick subset. */
  quickPoints: number | undefined;
  /** Rebuild summary.md and the charts from the CSV files in --out, without running. */
  reportOnly: boolean;
  /**
   * Run the upstream announcement's experiment (upstream-experiment.ts) instead of the matrix:
   * sharegpt on h100, one router, the announced QPS mapped to the measured capacity.
   */
  upstreamExperiment: boolean;
  out: string;
  jobs: number;
  /** A previous run's matrix.csv whose rows stand in for the strategies not in `rerun` (reuse.ts). */
  reuse: string | undefined;
  /** Strategies simulated again when reusing (default ["ours"]). */
  rerun: string[];
  /** Reused rows re-simulated before FILE is trusted (default 3). */
  reuseCheck: number;
}

const defaults = {
  engines: [...engineProfiles.keys()],
  pushIntervalsMs: [50, 200, 1_000],
  routers: [1, 3] as RouterSetting[],
  loadPercents: [50, 80, 100, 120],
};

export const usage = `Routing-quality benchmark (virtual time, real scheduler, simulated vLLM replicas): a matrix of
workloads x engines x push intervals x router replicas x load, every strategy at every point.

  --seed N              seed of arrivals, contents, tie-breaks, connection bindings (env QUALITY_SEED, default 42)
  --workload a,b        ${[...workloads.keys()].join(", ")} (env QUALITY_WORKLOAD, default all but popular-prefix)
  --engines a,b         ${[...engineProfiles.keys()].join(", ")} (env QUALITY_ENGINES, default all)
  --push-interval a,b   metrics push periods per replica, virtual ms (env QUALITY_PUSH_INTERVAL, default ${defaults.pushIntervalsMs.join(",")})
  --routers a,b         router replicas splitting the traffic, each seeing only its own in-flight; "3p" = 3 sharing
                        in-flight every ${peerAxisIntervalMs} ms as serve --peers (env QUALITY_ROUTERS, default ${defaults.routers.join(",")})
  --load a,b            percent of round-robin's capacity on that engine and workload (env QUALITY_LOAD, default ${defaults.loadPercents.join(",")})
  --strategies a,b      ${strategies.map((s) => s.name).join(", ")} (env QUALITY_STRATEGIES, default all; round-robin always runs)
                        candidates for the default, run only when named: ${candidateStrategies.map((s) => s.name).join(", ")}
  --qps a,b             explicit QPS points instead of the load axis (env QUALITY_QPS)
  --duration S          virtual seconds of arrivals per point; the first third is warm-up (env QUALITY_DURATION, default 60; quick 30)
  --bursty              gamma inter-arrivals of shape 0.25 instead of Poisson for every workload (env QUALITY_BURSTY=1)
  --replicas N          model-server replicas in the pool (env QUALITY_REPLICAS, default 10)
  --connections K       keep-alive connections of the kubernetes-service client, each bound to a random endpoint (env QUALITY_CONNECTIONS, default 8)
  --quick               a covering subset of the matrix (every axis value at least once; < 3 min on 2 cores)
  --points N            points of the --quick subset (env QUALITY_POINTS, default twice the longest axis)
  --upstream-experiment the upstream announcement's experiment instead of the matrix: sharegpt on h100, 1 router,
                        100..1,000 announced QPS at the same fractions of the measured capacity (QPS x capacity / 265)
                        plus 80..100% points; strategies ${experimentStrategies.join(", ")}; push every ${experimentPushIntervalMs} ms
                        unless given; writes p90 NTPOT / e2e charts, tables, CSV and the #17 verdict
                        (env QUALITY_UPSTREAM_EXPERIMENT=1; default --out test/bench/results/upstream-experiment)
  --report-only         rebuild summary.md and the charts from matrix.csv and run.json already in --out
  --reuse FILE          a previous run's matrix.csv: rows of the strategies not in --rerun are taken from it when the
                        run.json beside it has the same point settings (seed, duration, replicas, ...); points or
                        strategies it lacks are simulated (env QUALITY_REUSE)
  --rerun a,b           strategies simulated again with --reuse (env QUALITY_RERUN, default ours)
  --reuse-check N       reused rows (points picked by the seed) re-simulated first; any differing figure refuses
                        FILE (env QUALITY_REUSE_CHECK, default 3)
  --out DIR             results directory (env QUALITY_OUT, default test/bench/results/matrix; quick: test/bench/results/quick)
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

function int(flag: string, v: string | undefined, fallback: number, min: number, max: number): number {
  const n = num(flag, v, fallback, min, max);
  if (!Number.isInteger(n)) throw new Error(`${flag}: ${v} is not an integer`);
  return n;
}

function names(
  flag: string,
  given: string[] | undefined,
  known: readonly string[],
  fallback: readonly string[] = known,
): string[] {
  const out = given ?? [...fallback];
  for (const x of out) {
    if (!known.includes(x)) throw new Error(`${flag}: unknown "${x}" (known: ${known.join(", ")})`);
  }
  if (out.length === 0) throw new Error(`${flag}: empty list`);
  return out;
}

function numbers(flag: string, given: string[] | undefined, fallback: number[], min: number, max: number) {
  const out = given?.map((x) => int(flag, x, 0, min, max)) ?? fallback;
  if (out.length === 0) throw new Error(`${flag}: empty list`);
  return out;
}

/** The --routers list: integers, or "Np" for N >= 2 routers sharing in-flight. */
function routerSettings(given: string[] | undefined): RouterSetting[] {
  if (given === undefined) return defaults.routers;
  if (given.length === 0) throw new Error("--routers: empty list");
  return given.map((x): RouterSetting => {
    if (!x.endsWith("p")) return int("--routers", x, 0, 1, 64);
    const n = int("--routers", x.slice(0, -1), 0, 2, 64);
    return `${n}p`;
  });
}

/** Parses argv (flags win over environment variables). Throws naming the bad flag. */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | "help" {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: "string" },
      workload: { type: "string" },
      engines: { type: "string" },
      "push-interval": { type: "string" },
      routers: { type: "string" },
      load: { type: "string" },
      strategies: { type: "string" },
      qps: { type: "string" },
      duration: { type: "string" },
      bursty: { type: "boolean" },
      replicas: { type: "string" },
      connections: { type: "string" },
      quick: { type: "boolean" },
      points: { type: "string" },
      "report-only": { type: "boolean" },
      "upstream-experiment": { type: "boolean" },
      out: { type: "string" },
      jobs: { type: "string" },
      reuse: { type: "string" },
      rerun: { type: "string" },
      "reuse-check": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (v.help) return "help";
  const quick = v.quick === true;
  const upstream = (v["upstream-experiment"] ?? env.QUALITY_UPSTREAM_EXPERIMENT === "1") === true;
  const givenStrategies = list(v.strategies ?? env.QUALITY_STRATEGIES);
  const st = names(
    "--strategies",
    givenStrategies ?? (upstream ? [...experimentStrategies] : strategies.map((s) => s.name)),
    [...strategies, ...candidateStrategies].map((s) => s.name),
  );
  if (!st.includes("round-robin")) st.unshift("round-robin");
  const qps = list(v.qps ?? env.QUALITY_QPS)?.map((q) => num("--qps", q, 0, 0.1, 100_000));
  const points = v.points ?? env.QUALITY_POINTS;
  if (upstream) {
    for (const [flag, given] of [
      ["--quick", quick],
      ["--qps", qps !== undefined],
      ["--report-only", v["report-only"] === true],
    ] as const) {
      if (given)
        throw new Error(`--upstream-experiment: ${flag} does not apply (the experiment has its own points)`);
    }
  }
  const reuse = v.reuse ?? env.QUALITY_REUSE;
  const givenRerun = list(v.rerun ?? env.QUALITY_RERUN);
  const givenCheck = v["reuse-check"] ?? env.QUALITY_REUSE_CHECK;
  if (reuse === undefined) {
    if (givenRerun !== undefined) throw new Error("--rerun: applies only with --reuse FILE");
    if (givenCheck !== undefined) throw new Error("--reuse-check: applies only with --reuse FILE");
  } else {
    if (upstream) throw new Error("--reuse: does not apply to --upstream-experiment");
    if (v["report-only"] === true) throw new Error("--reuse: does not apply to --report-only");
  }
  const rerun = givenRerun ? names("--rerun", givenRerun, st) : st.filter((s) => s === "ours");
  const givenPush = list(v["push-interval"] ?? env.QUALITY_PUSH_INTERVAL);
  return {
    seed: int("--seed", v.seed ?? env.QUALITY_SEED, 42, 0, 2 ** 32 - 1),
    axes: {
      workloads: upstream
        ? ["sharegpt"]
        : names(
            "--workload",
            list(v.workload ?? env.QUALITY_WORKLOAD),
            [...workloads.keys()],
            matrixWorkloads,
          ),
      engines: upstream
        ? ["h100"]
        : names("--engines", list(v.engines ?? env.QUALITY_ENGINES), defaults.engines),
      pushIntervalsMs: numbers(
        "--push-interval",
        upstream && givenPush ? givenPush.slice(0, 1) : givenPush,
        upstream ? [experimentPushIntervalMs] : defaults.pushIntervalsMs,
        1,
        60_000,
      ),
      routers: upstream ? [1] : routerSettings(list(v.routers ?? env.QUALITY_ROUTERS)),
      loadPercents: numbers("--load", list(v.load ?? env.QUALITY_LOAD), defaults.loadPercents, 1, 1_000),
    },
    strategies: st,
    qps,
    durationS: num("--duration", v.duration ?? env.QUALITY_DURATION, quick ? 30 : 60, 1, 3_600),
    burstiness: (v.bursty ?? env.QUALITY_BURSTY === "1") ? 0.25 : 1,
    replicas: int("--replicas", v.replicas ?? env.QUALITY_REPLICAS, 10, 1, 1_000),
    connections: int("--connections", v.connections ?? env.QUALITY_CONNECTIONS, 8, 1, 10_000),
    quick,
    quickPoints: points === undefined ? undefined : int("--points", points, 0, 1, 100_000),
    reportOnly: v["report-only"] === true,
    upstreamExperiment: upstream,
    out:
      v.out ??
      env.QUALITY_OUT ??
      (upstream
        ? "test/bench/results/upstream-experiment"
        : quick
          ? "test/bench/results/quick"
          : "test/bench/results/matrix"),
    jobs: int("--jobs", v.jobs ?? env.QUALITY_JOBS, Math.max(1, availableParallelism()), 1, 64),
    reuse,
    rerun,
    reuseCheck: int("--reuse-check", givenCheck, 3, 0, 10_000),
  };
}
