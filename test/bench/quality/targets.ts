/**
 * The issue's targets, checked from the rows: "ours" against round-robin in the band 80..100% of
 * round-robin's saturation point, and against upstream's default and both peers on every workload.
 */
import type { ResultRow } from "./summary.js";

/** One target's verdict. */
export interface TargetCheck {
  target: string;
  /** undefined = not measured in this run. */
  met: boolean | undefined;
  detail: string;
}

const band = ["sat:80", "sat:90", "sat:100"];
const peers = ["upstream-default", "sglang", "dynamo"];
/** Throughput counts as "not below" round-robin's within this noise allowance. */
export const throughputTolerance = 0.99;

function bandRows(rows: readonly ResultRow[], workload: string, strategy: string): ResultRow[] {
  return band
    .map((g) => rows.find((r) => r.workload === workload && r.strategy === strategy && r.grid === g))
    .filter((r): r is ResultRow => r !== undefined);
}

function ratios(
  rows: readonly ResultRow[],
  workload: string,
  base: string,
  f: (r: ResultRow) => number,
): number[] | undefined {
  const ours = bandRows(rows, workload, "ours");
  const other = bandRows(rows, workload, base);
  if (ours.length === 0 || ours.length !== other.length) return undefined;
  return ours.map((r, i) => f(r) / f(other[i]!));
}

/** "80 / 90 / 100": the band points this run has for `workload`. */
function bandLabels(rows: readonly ResultRow[], workload: string): string {
  return bandRows(rows, workload, "ours")
    .map((r) => r.grid.slice(4))
    .join(" / ");
}

const fmt = (xs: readonly number[]) => xs.map((x) => (Number.isFinite(x) ? x.toFixed(2) : "inf")).join(" / ");

/** Evaluates every target the rows allow. */
export function evaluateTargets(rows: readonly ResultRow[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const check = (
    target: string,
    workload: string,
    base: string,
    f: (r: ResultRow) => number,
    ok: (x: number) => boolean,
  ) => {
    const r = ratios(rows, workload, base, f);
    out.push(
      r === undefined
        ? { target, met: undefined, detail: "not measured" }
        : {
            target,
            met: r.every(ok),
            detail: `ours / ${base} at ${bandLabels(rows, workload)}% of saturation: ${fmt(r)}`,
          },
    );
  };
  check(
    "sharegpt: p90 e2e <= 0.5 x round-robin",
    "sharegpt",
    "round-robin",
    (r) => r.e2eP90,
    (x) => x <= 0.5,
  );
  check(
    "sharegpt: p90 TPOT <= 0.7 x round-robin",
    "sharegpt",
    "round-robin",
    (r) => r.tpotP90,
    (x) => x <= 0.7,
  );
  check(
    "sharegpt: throughput >= round-robin",
    "sharegpt",
    "round-robin",
    (r) => r.throughputTps,
    (x) => x >= throughputTolerance,
  );
  for (const w of ["shared-prefix", "multi-turn"]) {
    check(
      `${w}: p90 TTFT <= 0.4 x round-robin`,
      w,
      "round-robin",
      (r) => r.ttftP90,
      (x) => x <= 0.4,
    );
    check(
      `${w}: prefix-cache hit rate >= 2 x round-robin`,
      w,
      "round-robin",
      (r) => r.prefixHitRate,
      (x) => x >= 2,
    );
  }
  const workloads = [...new Set(rows.map((r) => r.workload))];
  for (const peer of peers) {
    const perWorkload = workloads
      .map((w) => {
        const r = ratios(rows, w, peer, (x) => x.e2eP90);
        return r && { w, g: Math.exp(r.reduce((a, x) => a + Math.log(x), 0) / r.length) };
      })
      .filter((x): x is { w: string; g: number } => x !== undefined);
    if (perWorkload.length === 0) {
      out.push({ target: `vs ${peer}`, met: undefined, detail: "not measured" });
      continue;
    }
    const better = perWorkload.filter((x) => x.g <= 0.9).length;
    const worse = perWorkload.filter((x) => x.g > 1.03);
    out.push({
      target: `vs ${peer}: >= 10% lower p90 e2e on >= 2 workloads, none > 3% worse`,
      met: better >= 2 && worse.length === 0,
      detail: `geometric mean over the band points of ours / ${peer} p90 e2e: ${perWorkload.map((x) => `${x.w} ${x.g.toFixed(2)}`).join(", ")}`,
    });
  }
  return out;
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
