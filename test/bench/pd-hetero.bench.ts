/**
 * bench:pd-hetero: issue 23's two benchmarks in virtual time, with the real scheduler over src/sim
 * engines (test/bench/quality/pd-hetero-simulation.ts).
 *
 * 1. Mixed pool: 4 H100 + 4 A100-80G + 4 L4 (Llama-3-8B presets, each replica pushing its accelerator
 *    label), ShareGPT-like lengths. Load = 80% and 100% of round-robin's capacity (bisection: the
 *    highest QPS at which round-robin's p90 TTFT stays <= 1 s). Strategies: round-robin,
 *    upstream-default as upstream runs it (no capacity labels: raw queues), ours (the built-in default
 *    with capacity-normalised load), and at 50% the cost-aware mode (cost-aware-filter before ours).
 * 2. P/D: 8 H100, prompts 2,000-8,000 tokens (uniform), 200 output tokens, 80% of the aggregated
 *    pool's round-robin capacity: the 8 GPUs aggregated (ours) vs split into prefill and decode
 *    replicas (disagg-profile-handler, prefix-based-pd-decider), over splits 4P+4D and 5P+3D and
 *    nonCachedTokens 512 / 2,000 / 3,000 / 4,000 (a decode replica prefills shorter prompts itself);
 *    the best of them is held to the targets.
 *
 * Prints each target of the issue as MET / MISSED with its figures. Flags: --quick (shorter runs),
 * --seed N, --only mixed|pd.
 */
import { createSeededRandom } from "../../src/core/random.js";
import { builtinAccelerators } from "../../src/scheduling/accelerators.js";
import {
  defaultSchedulerConfig,
  upstreamDefaultSchedulerConfig,
} from "../../src/scheduling/config/default-config.js";
import type { SchedulerConfig } from "../../src/scheduling/config/scheduler-config.js";
import { defaultKvLinkBytesPerSec, type PresetName, presetAccelerators } from "../../src/sim/index.js";
import { type PdHeteroResult, type ReplicaSpec, runPdHetero } from "./quality/pd-hetero-simulation.js";
import { arrivalTimes } from "./quality/workloads/distributions.js";
import { pseudoText } from "./quality/workloads/pseudo-text.js";
import { sharegptLengths } from "./quality/workloads/sharegpt.js";
import { type BenchRequest, contentOf } from "./quality/workloads/workload.js";

// ---- flags ----
const args = process.argv.slice(2);
let quick = false;
let seed = 1;
let only: string | undefined;
let mixedCapacity: number | undefined;
let pdCapacity: number | undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--quick") quick = true;
  else if (a === "--seed") seed = Number(args[++i]);
  else if (a === "--only") only = args[++i];
  else if (a === "--mixed-capacity") mixedCapacity = Number(args[++i]);
  else if (a === "--pd-capacity") pdCapacity = Number(args[++i]);
  else if (a === "--help") {
    console.log(
      "npm run bench:pd-hetero -- [--quick] [--seed N] [--only mixed|pd] [--mixed-capacity QPS] [--pd-capacity QPS]\n" +
        "  --*-capacity: round-robin's capacity from an earlier run (skips the bisection)",
    );
    process.exit(0);
  } else {
    console.error(
      `bench:pd-hetero: unknown flag "${a}" (known: --quick, --seed, --only, --mixed-capacity, --pd-capacity, --help)`,
    );
    process.exit(2);
  }
}
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`bench:pd-hetero: --seed "${String(seed)}" must be an integer >= 0`);
  process.exit(2);
}
for (const [flag, v] of [
  ["--mixed-capacity", mixedCapacity],
  ["--pd-capacity", pdCapacity],
] as const) {
  if (v !== undefined && !(Number.isFinite(v) && v > 0 && v <= 10_000)) {
    console.error(`bench:pd-hetero: ${flag} "${String(v)}" must be a number of req/s in (0, 10000]`);
    process.exit(2);
  }
}
if (only !== undefined && only !== "mixed" && only !== "pd") {
  console.error(`bench:pd-hetero: --only "${only}" must be mixed or pd`);
  process.exit(2);
}
const durationS = quick ? 40 : 90;
const warmupS = quick ? 10 : 20;
const MODEL = "llama-3-8b";

// ---- workloads ----
function requestsAt(qps: number, kind: "sharegpt" | "long", s: number): BenchRequest[] {
  const random = createSeededRandom(s);
  const times = arrivalTimes(random, qps, durationS * 1000);
  return times.map((arrivalMs) => {
    let prompt: number;
    let output: number;
    if (kind === "sharegpt") ({ prompt, output } = sharegptLengths(random));
    else {
      // Up to 7,992 so prompt + 200 output tokens fit Llama-3-8B's 8,192-token context.
      prompt = 2_000 + Math.floor(random.next() * 5_993);
      output = 200;
    }
    return { arrivalMs, ...contentOf([pseudoText(random, prompt * 4)], MODEL, undefined, output) };
  });
}

// ---- pools ----
const accelerator = (preset: PresetName): Record<string, string> => ({
  "inference-router.dev/accelerator": presetAccelerators[preset]!,
});
const cost = (preset: PresetName) => builtinAccelerators[presetAccelerators[preset]!]!.costPerHour;
function replicas(preset: PresetName, count: number, labels: Record<string, string>): ReplicaSpec[] {
  return Array.from({ length: count }, () => ({ preset, labels, costPerHour: cost(preset) }));
}
const mixedPresets: PresetName[] = ["llama3-8b-h100", "llama3-8b-a100-80g", "llama3-8b-l4"];
const mixedPool = (labelled: boolean): ReplicaSpec[] =>
  mixedPresets.flatMap((p) => replicas(p, 4, labelled ? accelerator(p) : {}));
const role = (r: string) => ({ ...accelerator("llama3-8b-h100"), "llm-d.ai/role": r });
const aggregatedPool = replicas("llama3-8b-h100", 8, accelerator("llama3-8b-h100"));
const pdPool = (prefill: number): ReplicaSpec[] => [
  ...replicas("llama3-8b-h100", prefill, role("prefill")),
  ...replicas("llama3-8b-h100", 8 - prefill, role("decode")),
];

// ---- strategies ----
const roundRobin: SchedulerConfig = {
  plugins: [{ type: "round-robin-picker" }],
  schedulingProfiles: [{ name: "default", plugins: [{ pluginRef: "round-robin-picker" }] }],
};
function costAware(): SchedulerConfig {
  const c = defaultSchedulerConfig();
  const profile = c.schedulingProfiles[0]!;
  return {
    plugins: [...c.plugins, { type: "cost-aware-filter" }],
    schedulingProfiles: [{ ...profile, plugins: [{ pluginRef: "cost-aware-filter" }, ...profile.plugins] }],
  };
}
function disagg(nonCachedTokens: number): SchedulerConfig {
  return {
    plugins: [
      { type: "prefill-filter" },
      { type: "decode-filter" },
      { type: "prefix-cache-scorer", parameters: { lruCapacityPerServer: 28_181 } },
      { type: "active-request-scorer" },
      { type: "outstanding-tokens-scorer" },
      { type: "queue-scorer" },
      { type: "prefix-based-pd-decider", parameters: { nonCachedTokens } },
      { type: "disagg-profile-handler", parameters: { deciders: { prefill: "prefix-based-pd-decider" } } },
    ],
    schedulingProfiles: [
      {
        name: "decode",
        plugins: [
          { pluginRef: "decode-filter" },
          { pluginRef: "prefix-cache-scorer", weight: 2 },
          { pluginRef: "active-request-scorer", weight: 2 },
          { pluginRef: "outstanding-tokens-scorer", weight: 2 },
        ],
      },
      {
        name: "prefill",
        plugins: [
          { pluginRef: "prefill-filter" },
          { pluginRef: "outstanding-tokens-scorer", weight: 2 },
          { pluginRef: "queue-scorer", weight: 1 },
        ],
      },
    ],
  };
}

// ---- running and measuring ----
interface Figures {
  ttftP90: number;
  tpotP90: number;
  e2eP90: number;
  costPerMTokens: number;
  requests: number;
  disaggregated: number;
}

function p90(values: Float64Array, keep: (i: number) => boolean): number {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if (keep(i)) xs.push(values[i]!);
  xs.sort((a, b) => a - b);
  return xs.length === 0 ? Number.NaN : xs[Math.min(xs.length - 1, Math.floor(0.9 * xs.length))]!;
}

function run(pool: ReplicaSpec[], config: SchedulerConfig, requests: BenchRequest[]): Figures {
  const r: PdHeteroResult = runPdHetero(requests, {
    replicas: pool,
    config,
    pushIntervalMs: 200,
    pushDelayMs: [5, 30],
    seed,
    kvLinkBytesPerSec: defaultKvLinkBytesPerSec,
  });
  if (r.leftInFlight !== 0) throw new Error(`leases left in flight: ${r.leftInFlight}`);
  const measured = (i: number) => requests[i]!.arrivalMs >= warmupS * 1000;
  return {
    ttftP90: p90(r.ttftMs, measured),
    tpotP90: p90(r.tpotMs, measured),
    e2eP90: p90(r.e2eMs, measured),
    costPerMTokens: (r.costUsd / r.outputTokens) * 1e6,
    requests: requests.length,
    disaggregated: r.disaggregated,
  };
}

/** Round-robin's capacity: the highest QPS whose p90 TTFT stays <= 1 s (bisection). */
function capacity(pool: ReplicaSpec[], kind: "sharegpt" | "long", hi: number): number {
  let lo = hi * 0.05;
  for (let round = 0; round < (quick ? 6 : 8); round++) {
    const mid = (lo + hi) / 2;
    const f = run(pool, roundRobin, requestsAt(mid, kind, seed + 100));
    if (f.ttftP90 <= 1_000) lo = mid;
    else hi = mid;
  }
  return Math.round(lo * 10) / 10;
}

const fmt = (x: number, d = 0) => x.toFixed(d);
const line = (name: string, f: Figures) =>
  `  ${name.padEnd(44)} p90 TTFT ${fmt(f.ttftP90).padStart(6)} ms  p90 TPOT ${fmt(f.tpotP90, 1).padStart(6)} ms  p90 e2e ${fmt(f.e2eP90).padStart(6)} ms  $/1M out ${fmt(f.costPerMTokens, 3).padStart(7)}  (${f.requests} req${f.disaggregated ? `, ${f.disaggregated} P/D` : ""})`;
const verdicts: string[] = [];
const verdict = (ok: boolean, text: string) => verdicts.push(`${ok ? "MET   " : "MISSED"} ${text}`);
const started = performance.now();

if (only === undefined || only === "mixed") {
  console.log("\n== Mixed pool: 4 H100 + 4 A100-80G + 4 L4, Llama-3-8B, ShareGPT-like lengths ==");
  const cap = mixedCapacity ?? capacity(mixedPool(false), "sharegpt", 120);
  console.log(`round-robin capacity (p90 TTFT <= 1 s): ${cap} req/s`);
  for (const pct of [80, 100]) {
    const reqs = requestsAt((cap * pct) / 100, "sharegpt", seed);
    const rr = run(mixedPool(false), roundRobin, reqs);
    const up = run(mixedPool(false), upstreamDefaultSchedulerConfig(), reqs);
    const upLabelled = run(mixedPool(true), upstreamDefaultSchedulerConfig(), reqs);
    const oursRaw = run(mixedPool(false), defaultSchedulerConfig(), reqs);
    const ours = run(mixedPool(true), defaultSchedulerConfig(), reqs);
    console.log(`-- ${pct}% of round-robin's capacity (${fmt((cap * pct) / 100, 1)} req/s)`);
    console.log(line("round-robin", rr));
    console.log(line("upstream-default (no capacity)", up));
    console.log(line("upstream-default + capacity labels", upLabelled));
    console.log(line("ours without capacity labels", oursRaw));
    console.log(line("ours (capacity-normalised)", ours));
    verdict(
      ours.e2eP90 <= 0.7 * rr.e2eP90,
      `mixed ${pct}%: p90 e2e ours ${fmt(ours.e2eP90)} ms <= 0.7 x round-robin ${fmt(rr.e2eP90)} ms (ratio ${fmt(ours.e2eP90 / rr.e2eP90, 2)})`,
    );
    verdict(
      ours.e2eP90 <= 0.85 * up.e2eP90,
      `mixed ${pct}%: p90 e2e ours ${fmt(ours.e2eP90)} ms <= 0.85 x upstream-default ${fmt(up.e2eP90)} ms (ratio ${fmt(ours.e2eP90 / up.e2eP90, 2)})`,
    );
  }
  const half = requestsAt(cap * 0.5, "sharegpt", seed);
  const latency = run(mixedPool(true), defaultSchedulerConfig(), half);
  const cheap = run(mixedPool(true), costAware(), half);
  console.log(
    `-- 50% of round-robin's capacity (${fmt(cap * 0.5, 1)} req/s): cost-aware mode (SLO TTFT 2,000 ms, TPOT 100 ms)`,
  );
  console.log(line("ours (latency-only)", latency));
  console.log(line("ours + cost-aware-filter", cheap));
  verdict(
    cheap.costPerMTokens <= 0.8 * latency.costPerMTokens && cheap.ttftP90 <= 2_000,
    `mixed 50% cost-aware: $/1M output tokens ${fmt(cheap.costPerMTokens, 3)} <= 0.8 x latency-only ${fmt(latency.costPerMTokens, 3)} (ratio ${fmt(cheap.costPerMTokens / latency.costPerMTokens, 2)}), p90 TTFT ${fmt(cheap.ttftP90)} ms within the 2,000 ms SLO`,
  );
}

if (only === undefined || only === "pd") {
  console.log("\n== P/D: 8 H100, Llama-3-8B, prompts 2,000-8,000 tokens, 200 output tokens ==");
  const cap = pdCapacity ?? capacity(aggregatedPool, "long", 60);
  const qps = cap * 0.8;
  console.log(`aggregated round-robin capacity (p90 TTFT <= 1 s): ${cap} req/s; 80% = ${fmt(qps, 1)} req/s`);
  const reqs = requestsAt(qps, "long", seed);
  const agg = run(aggregatedPool, defaultSchedulerConfig(), reqs);
  console.log(line("aggregated (ours)", agg));
  // Worst of the two target ratios (<= 1 = both met): how the splits and thresholds are ranked.
  const miss = (x: Figures) => Math.max(x.ttftP90 / (1.2 * agg.ttftP90), x.tpotP90 / (0.7 * agg.tpotP90));
  let best: { split: string; f: Figures } | undefined;
  for (const prefill of [4, 5]) {
    for (const threshold of [512, 2_000, 3_000, 4_000]) {
      const f = run(pdPool(prefill), disagg(threshold), reqs);
      const split = `${prefill}P + ${8 - prefill}D, nonCachedTokens ${threshold}`;
      console.log(line(`P/D ${split}`, f).replace("  P/D", "  P/D"));
      if (!best || miss(f) < miss(best.f)) best = { split, f };
    }
  }
  const b = best!;
  verdict(
    b.f.tpotP90 <= 0.7 * agg.tpotP90,
    `P/D 80% (${b.split}): p90 TPOT ${fmt(b.f.tpotP90, 1)} ms <= 0.7 x aggregated ${fmt(agg.tpotP90, 1)} ms (ratio ${fmt(b.f.tpotP90 / agg.tpotP90, 2)})`,
  );
  verdict(
    b.f.ttftP90 <= 1.2 * agg.ttftP90,
    `P/D 80% (${b.split}): p90 TTFT ${fmt(b.f.ttftP90)} ms <= 1.2 x aggregated ${fmt(agg.ttftP90)} ms (ratio ${fmt(b.f.ttftP90 / agg.ttftP90, 2)})`,
  );
}

console.log("\n== Targets (issue 23) ==");
for (const v of verdicts) console.log(v);
console.log(
  `\n(virtual time, seed ${seed}, ${durationS} s per run, first ${warmupS} s not measured; wall ${fmt((performance.now() - started) / 1000, 1)} s)`,
);
