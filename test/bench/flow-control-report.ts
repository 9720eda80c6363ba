/**
 * bench:flow's report (flow-control.bench.ts runs the simulations): the overload table, each run's
 * issue 18 verdicts with the split of critical requests' TTFT, and the percentile helpers.
 */
import { type FlowBenchRequest, type FlowSimulationResult, Outcome } from "./flow-control-sim.js";

export const verdict = (ok: boolean) => (ok ? "MET" : "MISSED");

/** The p-th percentile (0..100) of `sorted` (floor rank); NaN when empty. */
export const pct = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** p90 TTFT (ms) of the requests `keep` selects that arrived inside `win` and got a first token. */
export function ttftP90(
  reqs: readonly FlowBenchRequest[],
  first: Float64Array,
  win: [number, number],
  keep: (r: FlowBenchRequest) => boolean,
): number {
  const v: number[] = [];
  reqs.forEach((r, i) => {
    if (keep(r) && r.arrivalMs >= win[0] && r.arrivalMs < win[1] && Number.isFinite(first[i]!))
      v.push(first[i]! - r.arrivalMs);
  });
  return pct(
    v.sort((a, b) => a - b),
    90,
  );
}

type Run = FlowSimulationResult;

/** What the overload runs produced. */
export interface OverloadResult {
  /** The pool's capacity, req/s; the runs offer 150% of it. */
  cap: number;
  /** The saturationDetector's kvCacheUtilThreshold. */
  kv: number;
  /** The measurement window, virtual ms. */
  win: [number, number];
  /** The offered stream: critical (priority 2) and batch (priority -1). */
  mixed: readonly FlowBenchRequest[];
  runs: readonly { name: string; run: Run }[];
  /** Legacy admission, no flow control. */
  off: Run;
  /** Critical traffic alone on an unloaded pool (5% of capacity). */
  unloaded: { qps: number; ttftP90: number };
  /** Critical traffic alone at its own rate. */
  alone: { qps: number; reqs: readonly FlowBenchRequest[]; run: Run };
}

/** Prints the overload table and each run's verdicts. */
export function printOverloadReport(o: OverloadResult): void {
  const { cap, kv, win, mixed, runs, off } = o;
  const half = o.alone.qps;
  const aloneReqs = o.alone.reqs;
  const alone = o.alone.run;
  const ttftUnloaded = o.unloaded.ttftP90;
  const ttftAlone = ttftP90(aloneReqs, alone.firstTokenMs, win, () => true);
  const isCritical = (r: FlowBenchRequest) => r.priority === 2;
  const isBatch = (r: FlowBenchRequest) => r.priority < 0;
  const secs = (win[1] - win[0]) / 1000;
  const count = (r: Run, cls: (x: FlowBenchRequest) => boolean, outcome: number) =>
    mixed.filter((x, i) => cls(x) && r.outcome[i] === outcome && Number.isNaN(r.firstTokenMs[i]!)).length;
  const tpsOff = off.windowOutputTokens / secs;
  const batchTokens = (r: Run) => r.windowTokensByFlow.get("batch") ?? 0;
  console.log(
    `\n## Overload: 150% of capacity (${(1.5 * cap).toFixed(1)} req/s), half critical (priority 2), half batch (priority -1); saturationDetector kvCacheUtilThreshold ${kv}\n`,
  );
  console.log(
    "| run | critical p90 TTFT ms | critical refused / expired | batch refused / expired / evicted | output tok/s (x no-FC) | tok/s thrown away by eviction | batch share of tokens | most queued |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  const row = (name: string, r: Run) => {
    const tps = r.windowOutputTokens / secs;
    console.log(
      `| ${name} | ${ttftP90(mixed, r.firstTokenMs, win, isCritical).toFixed(0)} | ${count(r, isCritical, Outcome.Refused) + count(r, isCritical, Outcome.Failed)} / ${count(r, isCritical, Outcome.Expired)} | ${count(r, isBatch, Outcome.Refused)} / ${count(r, isBatch, Outcome.Expired)} / ${mixed.filter((x, i) => isBatch(x) && r.outcome[i] === Outcome.Evicted).length} | ${tps.toFixed(0)} (${(tps / tpsOff).toFixed(3)}) | ${(r.windowEvictedTokens / secs).toFixed(0)} | ${((100 * batchTokens(r)) / Math.max(1, r.windowOutputTokens)).toFixed(1)}% | ${r.maxQueued} |`,
    );
  };
  for (const v of runs) row(v.name, v.run);
  row("no flow control (legacy admission: batch shed at saturation)", off);
  console.log(
    `| critical alone, unloaded pool (5%: ${o.unloaded.qps.toFixed(1)} req/s) | ${ttftUnloaded.toFixed(0)} | | | | | | |`,
  );
  console.log(
    `| critical alone at its own rate (${half.toFixed(1)} req/s) | ${ttftAlone.toFixed(0)} | | | | | | |`,
  );
  console.log("");
  for (const v of runs) {
    const r = v.run;
    const ttft = ttftP90(mixed, r.firstTokenMs, win, isCritical);
    const lost =
      count(r, isCritical, Outcome.Refused) +
      count(r, isCritical, Outcome.Failed) +
      count(r, isCritical, Outcome.Expired);
    const tps = r.windowOutputTokens / secs;
    console.log(`${v.name}:`);
    console.log(
      `  critical p90 TTFT <= 1.5x unloaded: ${verdict(ttft <= 1.5 * ttftUnloaded)} (${ttft.toFixed(0)} ms vs ${ttftUnloaded.toFixed(0)} ms = ${(ttft / ttftUnloaded).toFixed(2)}x; vs critical alone at its rate ${ttftAlone.toFixed(0)} ms = ${(ttft / ttftAlone).toFixed(2)}x)`,
    );
    console.log(`  no critical request refused or expired: ${verdict(lost === 0)} (${lost})`);
    const waits = (from: (i: number) => number, to: (i: number) => number) =>
      ttftP90(
        mixed,
        Float64Array.from(mixed, (x, i) => x.arrivalMs + to(i) - from(i)),
        win,
        isCritical,
      ).toFixed(0);
    console.log(
      `  critical p90 in the router queue ${waits(
        (i) => mixed[i]!.arrivalMs,
        (i) => r.dispatchMs[i]!,
      )} ms, from dispatch to first token ${waits(
        (i) => r.dispatchMs[i]!,
        (i) => r.firstTokenMs[i]!,
      )} ms (to the start of its first token's step ${waits(
        (i) => r.dispatchMs[i]!,
        (i) => r.firstStepStartMs[i]!,
      )} ms; that step ${waits(
        (i) => r.firstStepStartMs[i]!,
        (i) => r.firstTokenMs[i]!,
      )} ms)`,
    );
    console.log(
      `  pool throughput >= 0.98x no flow control: ${verdict(tps >= 0.98 * tpsOff)} (${(tps / tpsOff).toFixed(3)}x)`,
    );
    if (r.leftInFlight !== 0) console.log(`  BOOKKEEPING: ${r.leftInFlight} leases left in flight`);
  }
  const aloneSplit = (from: (i: number) => number, to: (i: number) => number) =>
    ttftP90(
      aloneReqs,
      Float64Array.from(aloneReqs, (x, i) => x.arrivalMs + to(i) - from(i)),
      win,
      () => true,
    ).toFixed(0);
  console.log(
    `critical alone at its own rate: p90 to the start of its first token's step ${aloneSplit(
      (i) => aloneReqs[i]!.arrivalMs,
      (i) => alone.firstStepStartMs[i]!,
    )} ms; that step ${aloneSplit(
      (i) => alone.firstStepStartMs[i]!,
      (i) => alone.firstTokenMs[i]!,
    )} ms`,
  );
  console.log(
    `(legacy run without flow control: critical p90 TTFT ${ttftP90(mixed, off.firstTokenMs, win, isCritical).toFixed(0)} ms)`,
  );
}
