/**
 * Issue 17's targets, checked on the matrix for one strategy (the report checks `ours` and
 * `upstream-default`): never worse than round-robin nor more than 3% worse than the best; half
 * round-robin's TTFT where round-robin queues; the upstream announcement's margins over a
 * Kubernetes Service; and geometric-mean gains over upstream's default and the peers.
 */
import { pointOf } from "./regret.js";
import type { ResultRow } from "./summary.js";
import { pairKey } from "./sweep.js";

/** One target's verdict. */
export interface TargetCheck {
  target: string;
  /** undefined = not measured in this run. */
  met: boolean | undefined;
  detail: string;
}

/** The verdicts as a markdown list. */
export function targetsMarkdown(checks: readonly TargetCheck[]): string {
  return checks
    .map(
      (c) =>
        `- ${c.met === undefined ? "NOT MEASURED" : c.met ? "MET" : "MISSED"}: ${c.target} (${c.detail})`,
    )
    .join("\n");
}

/** Throughput counts as "not below" within this noise allowance (1%). */
export const throughputTolerance = 0.99;
/** Loads of the kubernetes-service comparison: 80..100% of round-robin's capacity. */
const serviceBand = (r: ResultRow) => {
  const p = r.grid.startsWith("sat:") ? Number(r.grid.slice(4)) : Number.NaN;
  return p >= 80 && p <= 100;
};

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

/** Pairs (strategy row, other row) at every point where both ran. */
function paired(rows: readonly ResultRow[], strategy: string, other: string): [ResultRow, ResultRow][] {
  const others = new Map(rows.filter((r) => r.strategy === other).map((r) => [pointOf(r), r]));
  const out: [ResultRow, ResultRow][] = [];
  for (const r of rows) {
    if (r.strategy !== strategy) continue;
    const o = others.get(pointOf(r));
    if (o) out.push([r, o]);
  }
  return out;
}

/**
 * The TTFT target at the points where round-robin queues, with how many of the misses some other
 * strategy (any of those run, the Kubernetes Service aside) did reach: at the rest no strategy got
 * to half round-robin's TTFT (e.g. on an overloaded pool every engine queues).
 */
function ttftCheck(
  rows: readonly ResultRow[],
  strategy: string,
  queued: readonly [ResultRow, ResultRow][],
): { met: boolean; detail: string } {
  const bestOther = new Map<string, number>();
  for (const r of rows) {
    if (r.strategy === strategy || r.strategy === "kubernetes-service") continue;
    const p = pointOf(r);
    bestOther.set(p, Math.min(bestOther.get(p) ?? Number.POSITIVE_INFINITY, r.ttftP90));
  }
  const xs = queued.map(([a, b]) => ({ p: pointOf(a), x: a.ttftP90 / b.ttftP90, rr: b.ttftP90 }));
  const bad = xs.filter((v) => v.x > 0.5);
  const reachable = bad.filter((v) => (bestOther.get(v.p) ?? Number.POSITIVE_INFINITY) <= 0.5 * v.rr);
  const worst = xs.reduce((a, v) => (v.x > a.x ? v : a), xs[0]!);
  return {
    met: bad.length === 0,
    detail: `${bad.length}/${xs.length} points above 0.50, at ${reachable.length} of them another strategy reached 0.50; worst ${f2(worst.x)} at ${worst.p}`,
  };
}

/** Evaluates the targets for `strategy`. `unloadedTtftMs` is keyed by pairKey(engine, workload). */
export function evaluateMatrixTargets(
  rows: readonly ResultRow[],
  strategy: string,
  unloadedTtftMs: Readonly<Record<string, number>>,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  const mine = rows.filter((r) => r.strategy === strategy);
  if (mine.length === 0) {
    return [{ target: `${strategy}: every target`, met: undefined, detail: `${strategy} did not run` }];
  }
  // 1. Never worse than round-robin, within 3% of the best, at every point.
  const bestAt = new Map<string, number>();
  for (const r of rows)
    bestAt.set(pointOf(r), Math.min(bestAt.get(pointOf(r)) ?? Number.POSITIVE_INFINITY, r.e2eP90));
  const vsRr = paired(rows, strategy, "round-robin").map(([a, b]) => ({
    p: pointOf(a),
    x: a.e2eP90 / b.e2eP90,
  }));
  const vsBest = mine.map((r) => ({ p: pointOf(r), x: r.e2eP90 / bestAt.get(pointOf(r))! }));
  const summarize = (xs: { p: string; x: number }[], limit: number) => {
    const bad = xs.filter((v) => v.x > limit);
    const worst = xs.reduce((a, v) => (v.x > a.x ? v : a), xs[0]!);
    return {
      met: bad.length === 0,
      detail: `${bad.length}/${xs.length} points above ${limit.toFixed(2)}; worst ${f2(worst.x)} at ${worst.p}`,
    };
  };
  if (vsRr.length > 0) {
    const s = summarize(vsRr, 1);
    // How many of them are beyond the noise of a p90 over one seed (2%).
    const beyond = vsRr.filter((v) => v.x > 1.02).length;
    out.push({
      target: `${strategy}: p90 e2e <= 1.00x round-robin at every point`,
      met: s.met,
      detail: `${s.detail}; ${beyond} above 1.02`,
    });
  }
  out.push({
    target: `${strategy}: p90 e2e <= 1.03x the best strategy at every point`,
    ...summarize(vsBest, 1.03),
  });
  // 2. Where round-robin queues (p90 TTFT above twice its unloaded value): half its TTFT.
  const queued = paired(rows, strategy, "round-robin").filter(([, rr]) => {
    const u = unloadedTtftMs[pairKey(rr.engine, rr.workload)];
    return u !== undefined && rr.ttftP90 > 2 * u;
  });
  out.push(
    queued.length === 0
      ? {
          target: `${strategy}: p90 TTFT <= 0.5x round-robin where round-robin queues`,
          met: undefined,
          detail: "no point where round-robin's p90 TTFT exceeds twice its unloaded value",
        }
      : {
          target: `${strategy}: p90 TTFT <= 0.5x round-robin where round-robin's p90 TTFT > 2x unloaded`,
          ...ttftCheck(rows, strategy, queued),
        },
  );
  // 3. The upstream announcement's experiment: calibrated sharegpt, 80..100% load, vs a Service.
  const service = paired(rows, strategy, "kubernetes-service").filter(
    ([a]) => a.workload === "sharegpt" && a.engine === "h100" && serviceBand(a),
  );
  if (service.length === 0) {
    out.push({
      target: `${strategy}: vs kubernetes-service on sharegpt / h100 at 80..100%`,
      met: undefined,
      detail: "not measured",
    });
  } else {
    const ratio = (f: (r: ResultRow) => number) =>
      service.map(([a, b]) => ({ p: pointOf(a), x: f(a) / f(b) }));
    const ntpot = ratio((r) => r.ntpotP90);
    const e2e = ratio((r) => r.e2eP90);
    const tput = ratio((r) => r.throughputTps);
    const list = (xs: { x: number }[]) => xs.map((v) => f2(v.x)).join(" / ");
    out.push({
      target: `${strategy}: vs kubernetes-service on sharegpt / h100 at 80..100%: p90 NTPOT <= 0.4x, p90 e2e <= 0.6x, throughput >= 1.0x`,
      met:
        ntpot.every((v) => v.x <= 0.4) &&
        e2e.every((v) => v.x <= 0.6) &&
        tput.every((v) => v.x >= throughputTolerance),
      detail: `at ${service.map(([a]) => a.grid.slice(4) + "%").join(" / ")}: NTPOT ${list(ntpot)}, e2e ${list(e2e)}, throughput ${list(tput)}`,
    });
  }
  // 4. Geometric means over the matrix.
  for (const [peer, limit] of [
    ["upstream-default", 0.85],
    ["sglang", 0.9],
    ["dynamo", 0.9],
  ] as const) {
    const xs = paired(rows, strategy, peer).map(([a, b]) => a.e2eP90 / b.e2eP90);
    if (xs.length === 0) {
      out.push({
        target: `${strategy}: geo-mean p90 e2e / ${peer} <= ${limit}`,
        met: undefined,
        detail: "not measured",
      });
      continue;
    }
    const g = Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
    out.push({
      target: `${strategy}: geo-mean p90 e2e / ${peer} <= ${limit}`,
      met: g <= limit,
      detail: `${f2(g)} over ${xs.length} points`,
    });
  }
  return out;
}
