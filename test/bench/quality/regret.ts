/**
 * Regret: how much worse a strategy's p90 end-to-end latency is than round-robin's and than the
 * best strategy's at the same matrix point, and what that adds up to per strategy over the matrix.
 */
import { pointLabel } from "./matrix.js";
import type { ResultRow } from "./summary.js";

/** One (point, strategy) cell. */
export interface RegretCell {
  /** pointLabel of the matrix point. */
  point: string;
  strategy: string;
  e2eP90: number;
  /** p90 e2e / round-robin's at the point. */
  vsRoundRobin: number;
  /** p90 e2e / the lowest p90 e2e of any strategy at the point (>= 1). */
  vsBest: number;
  /** The strategy with the lowest p90 e2e at the point. */
  best: string;
}

/** Per-strategy totals over the matrix. */
export interface StrategyRegret {
  strategy: string;
  points: number;
  /** Highest vsBest and where. */
  worstVsBest: number;
  worstVsBestAt: string;
  /** Highest vsRoundRobin and where. */
  worstVsRoundRobin: number;
  worstVsRoundRobinAt: string;
  /** Geometric means over the points. */
  geoMeanVsBest: number;
  geoMeanVsRoundRobin: number;
  /** Geometric mean of p90 e2e / upstream-default's (NaN when upstream-default did not run). */
  geoMeanVsUpstreamDefault: number;
  /** Points where it is the best. */
  wins: number;
}

/** The key that identifies a row's matrix point. */
export const pointOf = (r: ResultRow): string => pointLabel(r);

/** Geometric mean; NaN for an empty list. */
export function geoMean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/** Rows grouped by matrix point, in first-seen order. */
export function byPoint(rows: readonly ResultRow[]): Map<string, ResultRow[]> {
  const out = new Map<string, ResultRow[]>();
  for (const r of rows) {
    const k = pointOf(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** Every (point, strategy) cell; points without a round-robin row are left out. */
export function regretCells(rows: readonly ResultRow[]): RegretCell[] {
  const out: RegretCell[] = [];
  for (const [point, rs] of byPoint(rows)) {
    const rr = rs.find((r) => r.strategy === "round-robin");
    if (!rr) continue;
    let best = rs[0]!;
    for (const r of rs) if (r.e2eP90 < best.e2eP90) best = r;
    for (const r of rs) {
      out.push({
        point,
        strategy: r.strategy,
        e2eP90: r.e2eP90,
        vsRoundRobin: r.e2eP90 / rr.e2eP90,
        vsBest: r.e2eP90 / best.e2eP90,
        best: best.strategy,
      });
    }
  }
  return out;
}

/** Totals per strategy, in `order`. */
export function regretByStrategy(cells: readonly RegretCell[], order: readonly string[]): StrategyRegret[] {
  const upstream = new Map(cells.filter((c) => c.strategy === "upstream-default").map((c) => [c.point, c]));
  return order
    .map((strategy) => {
      const own = cells.filter((c) => c.strategy === strategy);
      if (own.length === 0) return undefined;
      const worst = (f: (c: RegretCell) => number) => own.reduce((a, c) => (f(c) > f(a) ? c : a));
      const wb = worst((c) => c.vsBest);
      const wr = worst((c) => c.vsRoundRobin);
      const vsUp = own
        .map((c) => {
          const u = upstream.get(c.point);
          return u ? c.e2eP90 / u.e2eP90 : Number.NaN;
        })
        .filter((x) => Number.isFinite(x));
      return {
        strategy,
        points: own.length,
        worstVsBest: wb.vsBest,
        worstVsBestAt: wb.point,
        worstVsRoundRobin: wr.vsRoundRobin,
        worstVsRoundRobinAt: wr.point,
        geoMeanVsBest: geoMean(own.map((c) => c.vsBest)),
        geoMeanVsRoundRobin: geoMean(own.map((c) => c.vsRoundRobin)),
        geoMeanVsUpstreamDefault: geoMean(vsUp),
        wins: own.filter((c) => c.best === strategy).length,
      };
    })
    .filter((x): x is StrategyRegret => x !== undefined);
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

/** The per-strategy summary as a markdown table. */
export function regretSummaryMarkdown(totals: readonly StrategyRegret[]): string {
  return [
    "| strategy | points | best at | geo-mean / best | worst / best (where) | geo-mean / round-robin | worst / round-robin (where) | geo-mean / upstream-default |",
    "|---|---:|---:|---:|---|---:|---|---:|",
    ...totals.map(
      (t) =>
        `| ${t.strategy} | ${t.points} | ${t.wins} | ${f2(t.geoMeanVsBest)} | ${f2(t.worstVsBest)} (${t.worstVsBestAt}) | ${f2(t.geoMeanVsRoundRobin)} | ${f2(t.worstVsRoundRobin)} (${t.worstVsRoundRobinAt}) | ${f2(t.geoMeanVsUpstreamDefault)} |`,
    ),
  ].join("\n");
}

/** Per point: p90 e2e (s) of every strategy, then each one's ratio to round-robin and to the best. */
export function regretPointsMarkdown(cells: readonly RegretCell[], order: readonly string[]): string {
  const points = [...new Set(cells.map((c) => c.point))];
  const present = order.filter((s) => cells.some((c) => c.strategy === s));
  const cell = (p: string, s: string) => cells.find((c) => c.point === p && c.strategy === s);
  return [
    `| point | best | ${present.map((s) => `${s} p90 e2e (s) / RR / best`).join(" | ")} |`,
    `|---|---|${present.map(() => "---:").join("|")}|`,
    ...points.map((p) => {
      const best = cell(p, present[0]!)?.best ?? "";
      const parts = present.map((s) => {
        const c = cell(p, s);
        return c ? `${(c.e2eP90 / 1000).toFixed(2)} / ${f2(c.vsRoundRobin)} / ${f2(c.vsBest)}` : "";
      });
      return `| ${p} | ${best} | ${parts.join(" | ")} |`;
    }),
  ].join("\n");
}

/** Cells as CSV (one line per point and strategy). */
export function regretCsv(cells: readonly RegretCell[]): string {
  const r = (x: number) => String(Math.round(x * 10_000) / 10_000);
  return `${[
    "point,strategy,e2eP90,vsRoundRobin,vsBest,best",
    ...cells.map(
      (c) => `"${c.point}",${c.strategy},${r(c.e2eP90)},${r(c.vsRoundRobin)},${r(c.vsBest)},${c.best}`,
    ),
  ].join("\n")}\n`;
}
