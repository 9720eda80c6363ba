/**
 * Flow-control benchmark (not a test); prints each target of issue 18 as MET / MISSED with its figures.
 *  - queue: enqueue + dispatch p50/p99 of the real FlowController with 5,000 requests waiting (the
 *    scheduler excluded: bench:scheduler measures it), per fairness / ordering policy.
 *  - overload: the virtual-time pool (test/bench/quality modules, the real scheduler and controller)
 *    offered 150% of its capacity, half critical (priority 2), half batch (priority -1), with flow
 *    control and without (legacy admission), against critical traffic alone on an unloaded pool.
 *  - fairness: two tenants in one band offering 10:1, both backlogged, under each fairness policy.
 *
 * The tables and verdicts of the overload runs: flow-control-report.ts.
 *
 * Run: npm run bench:flow [-- --only queue|overload|fairness] [--replicas N] [--duration S] [--seed N]
 */
import { performance } from "node:perf_hooks";
import { flowControlConfigFrom, type UsageLimit } from "../../src/flowcontrol/config.js";
import { FlowController } from "../../src/flowcontrol/flow-controller.js";
import type { FlowRequest } from "../../src/flowcontrol/types.js";
import type { Timers } from "../../src/push/timers.js";
import { defaultSchedulerConfig } from "../../src/scheduling/config/default-config.js";
import { pct, printOverloadReport, ttftP90, verdict } from "./flow-control-report.js";
import { type FlowBenchRequest, runFlowSimulation } from "./flow-control-sim.js";
import { sharegptWorkload } from "./quality/workloads/sharegpt.js";
import { generateStream } from "./quality/workloads/stream.js";

const USAGE = `npm run bench:flow [-- options]

Flow control: queue overhead at 5,000 waiting; an overload run at 150% of capacity (critical + batch);
two tenants at 10:1 under each fairness policy. Prints each target of issue 18 as MET / MISSED.

  --only NAME     queue | overload | fairness (default: all three)
  --replicas N    simulated replicas (default 4)
  --duration S    virtual seconds of arrivals per run (default 60)
  --seed N        (default 1)
  --help
`;

function flags(argv: readonly string[]) {
  const out = { only: "", replicas: 4, duration: 60, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    if (v === undefined) throw new Error(`${a}: needs a value (--help)`);
    i++;
    if (a === "--only" && ["queue", "overload", "fairness"].includes(v)) out.only = v;
    else if (a === "--replicas" && Number(v) >= 1) out.replicas = Number(v);
    else if (a === "--duration" && Number(v) >= 10) out.duration = Number(v);
    else if (a === "--seed" && Number.isInteger(Number(v))) out.seed = Number(v);
    else throw new Error(`${a} ${v}: not accepted (--help)`);
  }
  return out;
}

// --- queue overhead ----------------------------------------------------------------------------

function queueBench(): void {
  const noTimers: Timers = { set: () => 0, clear: () => {} };
  const cases = [
    {
      name: "global-strict + fcfs, 1 flow",
      fairness: "global-strict-fairness-policy",
      ordering: "fcfs-ordering-policy",
      flows: 1,
    },
    {
      name: "global-strict + edf, 10 flows",
      fairness: "global-strict-fairness-policy",
      ordering: "edf-ordering-policy",
      flows: 10,
    },
    {
      name: "round-robin + fcfs, 100 flows",
      fairness: "round-robin-fairness-policy",
      ordering: "fcfs-ordering-policy",
      flows: 100,
    },
    {
      name: "program-aware + fcfs, 100 flows",
      fairness: "program-aware-fairness",
      ordering: "fcfs-ordering-policy",
      flows: 100,
    },
  ] as const;
  console.log(
    "\n## Queue overhead: one enqueue + one dispatch with 5,000 requests waiting (scheduler excluded)\n",
  );
  console.log("| policies | p50 us | p99 us | target p99 <= 100 us |");
  console.log("|---|---|---|---|");
  let worst = 0;
  for (const c of cases) {
    let saturation = 1;
    const fc = new FlowController({
      clock: { now: () => performance.now() },
      timers: noTimers,
      config: flowControlConfigFrom({
        priorityBands: [],
        defaultPriorityBand: {
          fairnessPolicyRef: c.fairness,
          orderingPolicyRef: c.ordering,
          maxRequests: 1e6,
        },
      }),
      saturation: () => saturation,
      hasEndpoints: () => true,
    });
    const dispatch = () => {
      saturation = 1;
      return 1;
    };
    const reqs: FlowRequest[] = [];
    for (let f = 0; f < c.flows; f++)
      reqs.push({
        pool: "p",
        flowId: `tenant-${f}`,
        priority: 0,
        bytes: 2000,
        inputTokens: 500,
        outputTokens: 200,
      });
    const swallow = () => {};
    const submit = (k: number) => {
      const p = fc.submit(reqs[k % c.flows]!, dispatch);
      if (p instanceof Promise) p.catch(swallow);
    };
    for (let k = 0; k < 5000; k++) submit(k);
    const runs = 20_000;
    const times = new Float64Array(runs);
    for (let k = 0; k < runs + 2000; k++) {
      const t0 = performance.now();
      submit(k);
      saturation = 0;
      fc.notify("p");
      const dt = performance.now() - t0;
      if (k >= 2000) times[k - 2000] = dt * 1000;
    }
    if (fc.queued !== 5000) throw new Error(`queue drifted to ${fc.queued}`);
    fc.shutdown();
    const sorted = [...times].sort((a, b) => a - b);
    const p99 = pct(sorted, 99);
    worst = Math.max(worst, p99);
    console.log(`| ${c.name} | ${pct(sorted, 50).toFixed(2)} | ${p99.toFixed(2)} | ${verdict(p99 <= 100)} |`);
  }
  console.log(
    `\nTarget "enqueue + dispatch p99 <= 100 us at 5,000 queued": ${verdict(worst <= 100)} (worst p99 ${worst.toFixed(2)} us)`,
  );
}

// --- virtual-time runs ------------------------------------------------------------------------

type Flags = ReturnType<typeof flags>;
const PRESET = "llama2-7b-h100" as const;
const PUSH = { pushIntervalMs: 200, pushDelayMs: [5, 50] as const };
/** The router's built-in default profile. */
const config = defaultSchedulerConfig();

/** A stream of ShareGPT-like requests of one class. */
function stream(o: Flags, qps: number, seed: number, priority: number, flowId: string): FlowBenchRequest[] {
  return generateStream(sharegptWorkload, { qps, durationMs: o.duration * 1000, seed }).map((r) => ({
    ...r,
    priority,
    flowId,
  }));
}

const merge = (...streams: FlowBenchRequest[][]) => streams.flat().sort((a, b) => a.arrivalMs - b.arrivalMs);

function windowOf(o: Flags): [number, number] {
  return [(o.duration * 1000) / 3, o.duration * 1000];
}

/** Requests/s the pool completes when offered far more than it can take (no flow control, priority 0). */
function capacity(o: Flags): { qps: number; tokensPerRequest: number } {
  const reqs = stream(o, 100 * o.replicas, o.seed, 0, "probe");
  const win = windowOf(o);
  const r = runFlowSimulation(
    reqs,
    { replicas: o.replicas, preset: PRESET, ...PUSH, seed: o.seed, config, flowControl: undefined },
    win,
  );
  const tokensPerRequest = reqs.reduce((s, x) => s + x.maxTokens, 0) / reqs.length;
  const tps = r.windowOutputTokens / ((win[1] - win[0]) / 1000);
  return { qps: tps / tokensPerRequest, tokensPerRequest };
}

function overload(o: Flags, cap: number, kv: number): void {
  const win = windowOf(o);
  const half = 0.75 * cap;
  const critical = stream(o, half, o.seed + 1, 2, "critical");
  const batch = stream(o, half, o.seed + 2, -1, "batch");
  const mixed = merge(critical, batch);
  // The EndpointPickerConfig's saturationDetector: the same for the legacy run and the flow-control runs.
  const thresholds = { queueDepthThreshold: 5, kvCacheUtilThreshold: kv };
  const base = { replicas: o.replicas, preset: PRESET, ...PUSH, seed: o.seed, config, thresholds };
  const off = runFlowSimulation(mixed, { ...base, flowControl: undefined }, win);
  const holdback: UsageLimit = {
    policy: "priority-holdback-policy",
    domain: "rank",
    minCeiling: 0.9,
    maxCeiling: 1,
  };
  const variants: {
    name: string;
    limit: UsageLimit | undefined;
    evict: boolean;
    prio?: boolean;
    fc?: false;
    /** FlowController evictionConfirmationGraceMs (upstream's stop-and-wait pacing); default 0. */
    grace?: number;
  }[] = [
    { name: "flow control, static-usage-limit-policy (upstream default)", limit: undefined, evict: false },
    { name: "flow control, priority-holdback-policy minCeiling 0.9", limit: holdback, evict: false },
    { name: "flow control, static-usage-limit-policy, enableEviction", limit: undefined, evict: true },
    {
      name: "flow control, priority-holdback-policy minCeiling 0.97, enableEviction (README's advice)",
      limit: { ...holdback, minCeiling: 0.97 },
      evict: true,
    },
  ];
  // Engine-side priority (vLLM --scheduling-policy priority, the router's enginePriority: vllm forward).
  variants.push(
    {
      name: "engine priority, no flow control (batch shed at saturation)",
      limit: undefined,
      evict: false,
      prio: true,
      fc: false,
    },
    {
      name: "engine priority + flow control, static-usage-limit-policy",
      limit: undefined,
      evict: false,
      prio: true,
    },
    {
      name: "engine priority + flow control, static, enableEviction",
      limit: undefined,
      evict: true,
      prio: true,
    },
    {
      name: "engine priority + flow control, holdback minCeiling 0.97, enableEviction",
      limit: { ...holdback, minCeiling: 0.97 },
      evict: true,
      prio: true,
    },
  );
  // Upstream's stop-and-wait eviction pacing: its concurrency-detector grace (10 ms) and its
  // utilization-detector one (500 ms).
  for (const grace of [10, 500])
    variants.push(
      {
        name: `flow control, static, enableEviction, confirmation grace ${grace} ms`,
        limit: undefined,
        evict: true,
        grace,
      },
      {
        name: `engine priority + flow control, holdback 0.97, enableEviction, confirmation grace ${grace} ms`,
        limit: { ...holdback, minCeiling: 0.97 },
        evict: true,
        prio: true,
        grace,
      },
    );
  // SWEEP=0.93,0.95 npm run bench:flow -- --only overload: more holdback ceilings, with eviction.
  for (const m of (process.env.SWEEP ?? "").split(",").filter(Boolean))
    variants.push({
      name: `flow control, priority-holdback-policy minCeiling ${m}, enableEviction`,
      limit: { ...holdback, minCeiling: Number(m) },
      evict: true,
    });
  const runs = variants.map((v) => ({
    ...v,
    run: runFlowSimulation(
      mixed,
      {
        ...base,
        ...(v.prio === true && { enginePriority: true }),
        ...(v.grace !== undefined && { evictionGraceMs: v.grace }),
        flowControl:
          v.fc === false
            ? undefined
            : flowControlConfigFrom({ enableEviction: v.evict, priorityBands: [] }, v.limit),
      },
      win,
    ),
  }));
  // "Unloaded": 5% of capacity, the quality bench's unloaded reference (sweep.ts unloadedPercent).
  const unloadedReqs = stream(o, 0.05 * cap, o.seed + 3, 2, "critical");
  const unloadedWin: [number, number] = [0, o.duration * 1000];
  const unloaded = runFlowSimulation(unloadedReqs, { ...base, flowControl: undefined }, unloadedWin);
  const ttftUnloaded = ttftP90(unloadedReqs, unloaded.firstTokenMs, unloadedWin, () => true);
  const aloneReqs = stream(o, half, o.seed + 1, 2, "critical");
  const alone = runFlowSimulation(aloneReqs, { ...base, flowControl: undefined }, win);
  printOverloadReport({
    cap,
    kv,
    win,
    mixed,
    runs,
    off,
    unloaded: { qps: 0.05 * cap, ttftP90: ttftUnloaded },
    alone: { qps: half, reqs: aloneReqs, run: alone },
  });
}

function fairness(o: Flags, cap: number): void {
  const win = windowOf(o);
  // Both backlogged: the small tenant alone offers more than half the capacity.
  const small = 0.6 * cap;
  const a = stream(o, 10 * small, o.seed + 4, 0, "tenant-a");
  const b = stream(o, small, o.seed + 5, 0, "tenant-b");
  const reqs = merge(a, b);
  console.log(
    `\n## Fairness: two tenants in one band, 10:1 (${(10 * small).toFixed(1)} and ${small.toFixed(1)} req/s; capacity ${cap.toFixed(1)} req/s)\n`,
  );
  console.log(
    "| fairness policy | tenant-a share | tenant-b share | Jain's index | target (each >= 45%, J >= 0.95) |",
  );
  console.log("|---|---|---|---|---|");
  const verdicts: string[] = [];
  for (const policy of [
    "round-robin-fairness-policy",
    "program-aware-fairness",
    "global-strict-fairness-policy",
  ] as const) {
    const fc = flowControlConfigFrom({
      defaultRequestTTL: 0,
      priorityBands: [],
      defaultPriorityBand: { fairnessPolicyRef: policy, maxRequests: 10_000_000, maxBytes: 1e15 },
    });
    const r = runFlowSimulation(
      reqs,
      { replicas: o.replicas, preset: PRESET, ...PUSH, seed: o.seed, config, flowControl: fc },
      win,
    );
    const ta = r.windowTokensByFlow.get("tenant-a") ?? 0;
    const tb = r.windowTokensByFlow.get("tenant-b") ?? 0;
    const sa = ta / (ta + tb);
    const sb = tb / (ta + tb);
    const jain = (ta + tb) ** 2 / (2 * (ta * ta + tb * tb));
    const fair = sa >= 0.45 && sb >= 0.45 && jain >= 0.95;
    const expect = policy === "global-strict-fairness-policy" ? !fair : fair;
    verdicts.push(`${policy}: ${verdict(expect)}`);
    console.log(
      `| ${policy} | ${(100 * sa).toFixed(1)}% | ${(100 * sb).toFixed(1)}% | ${jain.toFixed(3)} | ${fair ? "fair" : "not fair"}${policy === "global-strict-fairness-policy" ? " (expected: not fair)" : ""} |`,
    );
  }
  console.log(
    `\nTarget "round-robin and token fairness give each >= 45% (J >= 0.95); global-strict does not": ${verdicts.join("; ")}`,
  );
}

function main(): void {
  const o = flags(process.argv.slice(2));
  console.log(
    `# bench:flow (replicas ${o.replicas}, preset ${PRESET}, ${o.duration} s of arrivals, pushes every ${PUSH.pushIntervalMs} ms, seed ${o.seed})`,
  );
  if (o.only === "" || o.only === "queue") queueBench();
  if (o.only === "queue") return;
  const cap = capacity(o);
  console.log(
    `\nCapacity (sharegpt, no flow control, offered ${100 * o.replicas} req/s): ${cap.qps.toFixed(1)} req/s (${cap.tokensPerRequest.toFixed(0)} output tokens per request)`,
  );
  if (o.only === "" || o.only === "overload") for (const kv of [0.8, 0.95]) overload(o, cap.qps, kv);
  if (o.only === "" || o.only === "fairness") fairness(o, cap.qps);
}

main();
