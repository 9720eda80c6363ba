import { describe, expect, it } from "vitest";
import { evaluateMatrixTargets } from "../bench/quality/matrix-targets.js";
import { geoMean, regretByStrategy, regretCells } from "../bench/quality/regret.js";
import type { ResultRow } from "../bench/quality/summary.js";

function row(strategy: string, e2eP90: number, over: Partial<ResultRow> = {}): ResultRow {
  return {
    workload: "sharegpt",
    engine: "h100",
    pushIntervalMs: 200,
    routers: 1,
    strategy,
    qps: 100,
    grid: "sat:80",
    requests: 100,
    outputTokensPerRequest: 300,
    throughputRps: 10,
    throughputTps: 3_000,
    ttftP50: 10,
    ttftP90: 20,
    ttftP99: 30,
    tpotP50: 7,
    tpotP90: 8,
    tpotP99: 9,
    e2eP50: e2eP90 / 2,
    e2eP90,
    e2eP99: e2eP90 * 2,
    ntpotP90: e2eP90 / 300,
    preemptions: 0,
    prefixHitRate: 0,
    ...over,
  };
}

describe("regret over the matrix", () => {
  const rows = [
    row("round-robin", 1_000),
    row("ours", 800),
    row("upstream-default", 1_200),
    row("round-robin", 2_000, { grid: "sat:100" }),
    row("ours", 2_200, { grid: "sat:100" }),
    row("upstream-default", 1_100, { grid: "sat:100" }),
  ];

  it("divides each strategy's p90 e2e by round-robin's and by the best one's at the same point", () => {
    const cells = regretCells(rows);
    const at = (grid: string, s: string) => cells.find((c) => c.point.endsWith(grid) && c.strategy === s)!;
    expect(at("80%", "ours")).toMatchObject({ vsRoundRobin: 0.8, vsBest: 1, best: "ours" });
    expect(at("80%", "upstream-default").vsBest).toBeCloseTo(1.5, 10);
    expect(at("100%", "ours").vsRoundRobin).toBeCloseTo(1.1, 10);
    expect(at("100%", "ours").vsBest).toBeCloseTo(2, 10);
    expect(at("100%", "ours").best).toBe("upstream-default");
  });

  it("keeps points apart that differ only in engine, push interval or router replicas", () => {
    const other = rows.slice(0, 3).map((r) => ({ ...r, routers: 3, e2eP90: r.e2eP90 * 3 }));
    const cells = regretCells([...rows, ...other]);
    expect(new Set(cells.map((c) => c.point)).size).toBe(3);
  });

  it("reports the worst regret per strategy and where, and geometric means vs upstream-default", () => {
    const totals = regretByStrategy(regretCells(rows), ["round-robin", "ours", "upstream-default"]);
    const ours = totals.find((t) => t.strategy === "ours")!;
    expect(ours.worstVsBest).toBeCloseTo(2, 10);
    expect(ours.worstVsBestAt).toContain("100%");
    expect(ours.worstVsRoundRobin).toBeCloseTo(1.1, 10);
    expect(ours.geoMeanVsUpstreamDefault).toBeCloseTo(Math.sqrt((800 / 1_200) * (2_200 / 1_100)), 10);
    expect(ours.wins).toBe(1);
    expect(totals.find((t) => t.strategy === "upstream-default")!.geoMeanVsUpstreamDefault).toBe(1);
  });

  it("takes the geometric mean in log space", () => {
    expect(geoMean([0.5, 2])).toBeCloseTo(1, 12);
    expect(geoMean([])).toBeNaN();
  });
});

describe("issue 17's targets on the matrix", () => {
  it("misses 'never worse than round-robin' with the count and the worst point", () => {
    const rows = [
      row("round-robin", 1_000),
      row("ours", 800),
      row("round-robin", 1_000, { grid: "sat:100" }),
      row("ours", 1_050, { grid: "sat:100" }),
    ];
    const check = evaluateMatrixTargets(rows, "ours", {}).find((c) =>
      c.target.includes("1.00x round-robin"),
    )!;
    expect(check.met).toBe(false);
    expect(check.detail).toContain("1/2 points above 1.00");
    expect(check.detail).toContain("worst 1.05");
  });

  it("checks the TTFT target only where round-robin's p90 TTFT is above twice its unloaded value", () => {
    const rows = [
      row("round-robin", 1_000, { ttftP90: 500 }),
      row("ours", 900, { ttftP90: 200 }),
      row("round-robin", 1_000, { grid: "sat:50", ttftP90: 30 }),
      row("ours", 900, { grid: "sat:50", ttftP90: 29 }),
    ];
    const check = evaluateMatrixTargets(rows, "ours", { "h100/sharegpt": 20 }).find((c) =>
      c.target.includes("TTFT"),
    )!;
    expect(check.met).toBe(true);
    expect(check.detail).toContain("0/1 points above 0.50");
  });

  it("says at how many TTFT misses another strategy reached half round-robin's TTFT", () => {
    const rows = [
      row("round-robin", 1_000, { ttftP90: 500 }),
      row("ours", 900, { ttftP90: 400 }),
      row("dynamo", 950, { ttftP90: 200 }),
      row("kubernetes-service", 5_000, { ttftP90: 10 }),
      row("round-robin", 1_000, { grid: "sat:120", ttftP90: 5_000 }),
      row("ours", 900, { grid: "sat:120", ttftP90: 4_000 }),
      row("dynamo", 950, { grid: "sat:120", ttftP90: 3_000 }),
      row("kubernetes-service", 5_000, { grid: "sat:120", ttftP90: 10 }),
    ];
    const check = evaluateMatrixTargets(rows, "ours", { "h100/sharegpt": 20 }).find((c) =>
      c.target.includes("TTFT"),
    )!;
    expect(check.met).toBe(false);
    // Both points miss; dynamo reached 0.4x at 80%, nobody but the Service (left out) at 120%.
    expect(check.detail).toContain("2/2 points above 0.50, at 1 of them another strategy reached 0.50");
  });

  it("counts the points above round-robin beyond 2%", () => {
    const rows = [
      row("round-robin", 1_000),
      row("ours", 1_010),
      row("round-robin", 1_000, { grid: "sat:120" }),
      row("ours", 1_050, { grid: "sat:120" }),
    ];
    const check = evaluateMatrixTargets(rows, "ours", {}).find((c) => c.target.includes("1.00x"))!;
    expect(check.detail).toContain("2/2 points above 1.00");
    expect(check.detail).toContain("1 above 1.02");
  });

  it("compares with kubernetes-service on sharegpt / h100 at 80..100% only", () => {
    const rows = [
      row("kubernetes-service", 3_000, { ntpotP90: 30, throughputTps: 2_900 }),
      row("ours", 1_000, { ntpotP90: 10, throughputTps: 3_000 }),
      row("kubernetes-service", 3_000, { grid: "sat:120", ntpotP90: 30 }),
      row("ours", 3_000, { grid: "sat:120", ntpotP90: 30 }),
    ];
    const check = evaluateMatrixTargets(rows, "ours", {}).find((c) =>
      c.target.includes("kubernetes-service"),
    )!;
    expect(check.met).toBe(true);
    expect(check.detail).toContain("at 80%");
    expect(check.detail).not.toContain("120%");
  });
});
