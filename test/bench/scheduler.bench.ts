/**
 * Scheduler overhead benchmark (not a test): decisions/s and p50/p99 time per decision with the
 * built-in profile `--profile NAME` names (default: the built-in default; `upstream-default`: upstream's
 * 2/2/3; printed in the report) for 10, 100 and 1,000 endpoints,
 * on 2 KB chat prompts, plus the prefix index's memory at 1,000 endpoints at default capacity.
 * Each decision is a full non-dry-run schedule: candidates, saturation, scoring, pick, lease, prefix
 * record. Prompt hashing happens once per request on the request side and is timed separately.
 *
 * Run: npm run bench:scheduler [-- --profile default|upstream-default]  (env SCHEDULER_BENCH_PROFILE)
 */
import { performance } from "node:perf_hooks";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom, type Random } from "../../src/core/random.js";
import {
  type BuiltinSchedulerName,
  builtinSchedulerConfig,
  builtinSchedulerNames,
} from "../../src/scheduling/config/default-config.js";
import { createPrefixIndex } from "../../src/scheduling/prefix/lru-prefix-index.js";
import { hashPrompt } from "../../src/scheduling/prefix/prefix-hash.js";
import { createScheduler } from "../../src/scheduling/scheduler.js";
import type { SchedulingRequest } from "../../src/scheduling/types.js";
import { PoolStore } from "../../src/state/pool-store.js";
import type { SnapshotEndpoint } from "../../src/state/types.js";

const POOL = "bench";

const USAGE = `npm run bench:scheduler [-- --profile NAME]

Decisions per second and p50/p99 per decision of the real scheduler at 10 / 100 / 1,000 endpoints,
prompt hashing, and the prefix index's memory at 1,000 endpoints.

  --profile NAME   the built-in profile measured: ${builtinSchedulerNames.join(" | ")}
                   (env SCHEDULER_BENCH_PROFILE, default "default")
  --help
`;

function profileName(argv: readonly string[], env: NodeJS.ProcessEnv): BuiltinSchedulerName {
  if (argv.includes("--help")) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const at = argv.indexOf("--profile");
  const name = at >= 0 ? argv[at + 1] : (env.SCHEDULER_BENCH_PROFILE ?? "default");
  if (!builtinSchedulerNames.includes(name as BuiltinSchedulerName)) {
    process.stderr.write(`--profile: "${name}" is not one of ${builtinSchedulerNames.join(", ")}\n`);
    process.exit(2);
  }
  return name as BuiltinSchedulerName;
}

const PROFILE = profileName(process.argv.slice(2), process.env);
const profileConfig = () => builtinSchedulerConfig(PROFILE);

/** The profile measured, as "type weight, ...". */
function profileLine(): string {
  const c = profileConfig();
  return c.schedulingProfiles[0]!.plugins.map((r) => {
    const type = c.plugins.find((p) => (p.name ?? p.type) === r.pluginRef)?.type ?? r.pluginRef;
    return r.weight === undefined ? type : `${type} ${r.weight}`;
  }).join(", ");
}
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const SIZES = [10, 100, 1_000];
/** Per size: at most this many timed decisions, and at most this much time. */
const MAX_DECISIONS = 50_000;
const MAX_MS = 4_000;
const WARMUP = 3_000;
/** A new snapshot every this many decisions (pushes arrive every few hundred ms in real life). */
const PUSH_EVERY = 500;

function endpoint(i: number, rng: Random): SnapshotEndpoint {
  const a = 10 + Math.floor(i / 250);
  const b = (i % 250) + 1;
  return {
    address: `10.${a}.0.${b}:8000`,
    ip: `10.${a}.0.${b}`,
    port: 8000,
    ready: true,
    labels: {},
    engine: "vllm",
    models: [],
    metrics: {
      waitingRequests: Math.floor(rng.next() * 6),
      runningRequests: Math.floor(rng.next() * 64),
      kvCacheUsage: rng.next() * 0.7,
      activeAdapters: [],
      waitingAdapters: [],
      maxAdapters: 0,
      blockSize: 16,
      numBlocks: 8192,
    },
  };
}

/** ~2 KB chat prompts: 20 shared system prompts x distinct user turns, as role/content parts. */
function chatPrompts(count: number, rng: Random): string[][] {
  const words = "the of model request latency token cache prefix server queue batch adapter route pool".split(
    " ",
  );
  const text = (n: number) =>
    Array.from({ length: n }, () => words[Math.floor(rng.next() * words.length)]).join(" ");
  const systems = Array.from({ length: 20 }, (_, i) => `You are assistant #${i}. ${text(200)}`);
  return Array.from({ length: count }, (_, i) => {
    const system = systems[i % systems.length]!;
    const user = `Question ${i}: ${text(Math.max(10, Math.floor((2048 - system.length) / 6)))}`;
    return ["system", system, "user", user];
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function fmtUs(ms: number): string {
  return (ms * 1000).toFixed(1);
}

const rng = createSeededRandom(2024);
const prompts = chatPrompts(500, rng);
const promptChars = prompts.reduce((s, p) => s + p.join("").length, 0) / prompts.length;
// Prompt hashing, warm: four unmeasured passes over the prompts (JIT), then ten timed ones.
for (let pass = 0; pass < 4; pass++) for (const p of prompts) hashPrompt(p, MODEL);
let t0 = performance.now();
for (let pass = 0; pass < 10; pass++) for (const p of prompts) hashPrompt(p, MODEL);
const hashUs = ((performance.now() - t0) / (10 * prompts.length)) * 1000;
const hashed = prompts.map((p) => hashPrompt(p, MODEL));
const requests: SchedulingRequest[] = hashed.map((h, i) => ({
  requestId: `r${i}`,
  targetModel: MODEL,
  priority: 0,
  promptTokens: Math.ceil(promptChars / 4),
  maxTokens: 256,
  prefixHashes: h,
}));

const rows: string[] = [];
for (const n of SIZES) {
  const clock = createManualClock(1_000_000);
  const store = new PoolStore({ clock, staleAfterMs: 60_000, expireAfterMs: 120_000 });
  store.configurePools([{ name: POOL, targetPorts: [8000] }]);
  let sequence = 0n;
  const push = () => {
    sequence++;
    store.push({
      pool: POOL,
      source: "bench",
      sequence,
      observedAt: clock.now(),
      endpoints: Array.from({ length: n }, (_, i) => endpoint(i, rng)),
    });
  };
  push();
  const scheduler = createScheduler({
    store,
    config: profileConfig(),
    random: createSeededRandom(7),
    prefixIndexFactory: createPrefixIndex,
  });
  const times = new Float64Array(MAX_DECISIONS);
  let timed = 0;
  const start = performance.now();
  for (let d = 0; d < WARMUP + MAX_DECISIONS; d++) {
    if (d % PUSH_EVERY === 0 && d > 0) {
      clock.advance(200);
      push();
    }
    clock.advance(0.1);
    const req = requests[d % requests.length]!;
    t0 = performance.now();
    const r = scheduler.schedule(POOL, req);
    const dt = performance.now() - t0;
    r.lease?.release();
    if (d >= WARMUP) {
      times[timed++] = dt;
      if (performance.now() - start > MAX_MS) break;
    }
  }
  const sample = times.subarray(0, timed).sort();
  const total = sample.reduce((s, x) => s + x, 0);
  const size = scheduler.prefixIndexes[0]!.size();
  rows.push(
    `| ${n.toLocaleString("en")} | ${timed.toLocaleString("en")} | ${Math.round(timed / (total / 1000)).toLocaleString("en")} | ${fmtUs(percentile(sample, 0.5))} | ${fmtUs(percentile(sample, 0.99))} | ${size.entries.toLocaleString("en")} | ${(size.bytes / 1e6).toFixed(2)} |`,
  );
  scheduler.dispose();
}

// Index memory at 1,000 endpoints x default lruCapacityPerServer (31,250 blocks each), filled.
const globalGc = (globalThis as { gc?: () => void }).gc;
globalGc?.();
const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const full = createPrefixIndex({ lruCapacityPerServer: 31_250 });
const fillStart = performance.now();
const chunk = new Array<number>(256);
let h = 0x12345;
for (let e = 0; e < 1_000; e++) {
  const address = `10.${10 + Math.floor(e / 250)}.0.${(e % 250) + 1}:8000`;
  for (let c = 0; c < Math.ceil(31_250 / 256); c++) {
    for (let k = 0; k < 256; k++) {
      h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + k) >>> 0;
      chunk[k] = h;
    }
    full.record(address, chunk);
  }
}
const fillMs = performance.now() - fillStart;
globalGc?.();
const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const fullSize = full.size();

console.log(
  `\n## Scheduler decision time (built-in profile ${PROFILE}: ${profileLine()}, ${Math.round(promptChars)}-char chat prompts, ${hashed[0]!.length} blocks)\n`,
);
console.log("| endpoints | decisions | decisions/s | p50 µs | p99 µs | index entries | index MB |");
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
console.log(
  `\nPrompt hashing (request side, once per request, warm): ${hashUs.toFixed(1)} µs per ${Math.round(promptChars)}-char prompt.`,
);
console.log(`\n## Prefix index at 1,000 endpoints x 31,250 blocks (default lruCapacityPerServer)\n`);
console.log("| entries | index.size() MB | heap delta MB | fill time s |");
console.log("|---:|---:|---:|---:|");
console.log(
  `| ${fullSize.entries.toLocaleString("en")} | ${(fullSize.bytes / 1e6).toFixed(1)} | ${globalGc ? ((heapAfter - heapBefore) / 1e6).toFixed(1) : "n/a (run with --expose-gc)"} | ${(fillMs / 1000).toFixed(1)} |`,
);
console.log(
  `\nNode ${process.version}, one core; targets: p99 <= 50 µs at 100 endpoints, <= 400 µs at 1,000; index <= 200 MB.`,
);
