import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "../bench/quality/cli-args.js";
import type { SimulationResult } from "../bench/quality/simulation.js";
import { type ResultRow, summarize } from "../bench/quality/summary.js";
import {
  announcedCapacityRps,
  type ExperimentPoint,
  evaluateUpstreamTarget,
  experimentCsv,
  experimentPoints,
  gridOf,
  serviceRatios,
} from "../bench/quality/upstream-experiment.js";
import type { BenchRequest } from "../bench/quality/workloads/workload.js";

function row(strategy: string, p: ExperimentPoint, over: Partial<ResultRow> = {}): ResultRow {
  return {
    workload: "sharegpt",
    engine: "h100",
    pushIntervalMs: 50,
    routers: 1,
    strategy,
    qps: p.qps,
    grid: gridOf(p),
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
    e2eP50: 5_000,
    e2eP90: 10_000,
    e2eP99: 20_000,
    ntpotP90: 40,
    preemptions: 0,
    prefixHitRate: 0,
    ...over,
  };
}

/** ours at a tenth of the Service's NTPOT and half its e2e, same throughput, at every point. */
function goodRun(points: readonly ExperimentPoint[]): ResultRow[] {
  return points.flatMap((p) => [
    row("kubernetes-service", p),
    row("ours", p, { ntpotP90: 4, e2eP90: 5_000 }),
  ]);
}

describe("the upstream experiment's QPS mapping", () => {
  it("runs each announced QPS at the same fraction of the simulated pool's capacity", () => {
    const points = experimentPoints(300);
    const at = (a: number) => points.find((p) => p.kind === "sweep" && p.announcedQps === a)!;
    expect(announcedCapacityRps).toBe(265);
    expect(at(100)).toEqual({ announcedQps: 100, loadPercent: 37.7, qps: 113.2, kind: "sweep" });
    expect(at(1_000)).toEqual({ announcedQps: 1_000, loadPercent: 377.4, qps: 1_132.1, kind: "sweep" });
    expect(points.filter((p) => p.kind === "sweep")).toHaveLength(10);
  });

  it("leaves the announced QPS unchanged on a pool of the announcement's own capacity", () => {
    const sweep = experimentPoints(265).filter((p) => p.kind === "sweep");
    expect(sweep.map((p) => p.qps)).toEqual(sweep.map((p) => p.announcedQps));
  });

  it("adds the 80..100% band as its own points, with their announced-equivalent QPS, in load order", () => {
    const points = experimentPoints(300);
    const band = points.filter((p) => p.kind === "band");
    expect(band.map((p) => p.loadPercent)).toEqual([80, 85, 90, 95, 100]);
    expect(band.map((p) => p.qps)).toEqual([240, 255, 270, 285, 300]);
    expect(band[0]!.announcedQps).toBe(212);
    const loads = points.map((p) => p.loadPercent);
    expect(loads).toEqual([...loads].sort((a, b) => a - b));
  });

  it("does not run a band point twice when an announced QPS already sits at that load", () => {
    const points = experimentPoints(300, [212, 500], [80, 90]);
    expect(points.map((p) => [p.kind, p.loadPercent])).toEqual([
      ["sweep", 80],
      ["band", 90],
      ["sweep", 188.7],
    ]);
  });

  it("refuses a capacity that is not a positive number, naming it", () => {
    expect(() => experimentPoints(0)).toThrow(/capacity: 0 req\/s/);
    expect(() => experimentPoints(Number.NaN)).toThrow(/capacity: NaN/);
  });
});

describe("issue 17's target vs kubernetes-service", () => {
  const points = experimentPoints(300);

  it("is met when every band point is within all three limits, and beats the announcement's points", () => {
    const [target, beat] = evaluateUpstreamTarget(goodRun(points), points);
    expect(target!.met).toBe(true);
    expect(target!.detail).toContain("at 80% / 85% / 90% / 95% / 100%: NTPOT 0.10 / 0.10");
    expect(beat!.met).toBe(true);
    expect(beat!.detail).toBe("worst band ratio 0.10, below 3 of 3");
  });

  it("is missed at the band point whose e2e is over 0.6x, whatever the points outside the band", () => {
    const rows = goodRun(points).map((r) =>
      r.strategy === "ours" && r.grid === "sat:90" ? { ...r, e2eP90: 7_000 } : r,
    );
    const [target] = evaluateUpstreamTarget(rows, points);
    expect(target!.met).toBe(false);
    expect(target!.detail).toContain("missed at 90%");
    const outside = goodRun(points).map((r) =>
      r.strategy === "ours" && r.grid === "sat:377.4" ? { ...r, e2eP90: 70_000, ntpotP90: 400 } : r,
    );
    expect(evaluateUpstreamTarget(outside, points)[0]!.met).toBe(true);
  });

  it("is missed when throughput falls more than 1% below the Service's", () => {
    const rows = goodRun(points).map((r) =>
      r.strategy === "ours" && r.grid === "sat:100" ? { ...r, throughputTps: 2_900 } : r,
    );
    expect(evaluateUpstreamTarget(rows, points)[0]!.met).toBe(false);
    const within = goodRun(points).map((r) =>
      r.strategy === "ours" && r.grid === "sat:100" ? { ...r, throughputTps: 2_980 } : r,
    );
    expect(evaluateUpstreamTarget(within, points)[0]!.met).toBe(true);
  });

  it("meets the 0.4x limit yet does not beat the announcement's 0.29 at 195 QPS with a 0.35x NTPOT", () => {
    const rows = goodRun(points).map((r) => (r.strategy === "ours" ? { ...r, ntpotP90: 14 } : r));
    const [target, beat] = evaluateUpstreamTarget(rows, points);
    expect(target!.met).toBe(true);
    expect(beat!.met).toBe(false);
    expect(beat!.detail).toBe("worst band ratio 0.35, below 2 of 3");
  });

  it("says not measured when kubernetes-service did not run", () => {
    const rows = goodRun(points).filter((r) => r.strategy !== "kubernetes-service");
    expect(evaluateUpstreamTarget(rows, points).map((c) => c.met)).toEqual([undefined, undefined]);
  });

  it("divides ours by the Service at the same point: NTPOT, e2e and output-token throughput", () => {
    const p = points[0]!;
    const ratios = serviceRatios(
      [row("kubernetes-service", p), row("ours", p, { ntpotP90: 10, e2eP90: 2_500, throughputTps: 3_300 })],
      points,
    );
    expect(ratios).toEqual([{ point: p, ntpot: 0.25, e2e: 0.25, throughput: 1.1 }]);
  });

  it("writes a CSV line per point and strategy with the announced QPS and the load", () => {
    const csv = experimentCsv(goodRun(points.slice(0, 1)), points)
      .trim()
      .split("\n");
    expect(csv[0]).toMatch(/^announcedQps,loadPercent,qps,kind,strategy,/);
    expect(csv.slice(1).map((l) => l.split(",").slice(0, 5).join(","))).toEqual([
      "100,37.7,113.2,sweep,kubernetes-service",
      "100,37.7,113.2,sweep,ours",
    ]);
  });
});

describe("p90 NTPOT (e2e / output tokens)", () => {
  const request = (arrivalMs: number, maxTokens: number): BenchRequest => ({
    arrivalMs,
    model: "m",
    adapter: undefined,
    promptTokens: 10,
    maxTokens,
    hashes: [],
    parts: [],
  });

  it("divides each request's e2e by its own output tokens and takes the p90 over the measured window", () => {
    // Ten requests in the window: e2e 1,000 ms each, outputs 10..100 tokens => NTPOT 100, 50, ..., 10 ms.
    // A warm-up request with a far larger NTPOT must not count.
    const requests = [
      request(0, 1),
      ...Array.from({ length: 10 }, (_, i) => request(1_000 + i, 10 * (i + 1))),
    ];
    const n = requests.length;
    const finishMs = Float64Array.from(requests, (r, i) => r.arrivalMs + (i === 0 ? 900_000 : 1_000));
    const result: SimulationResult = {
      firstTokenMs: Float64Array.from(requests, (r) => r.arrivalMs + 50),
      finishMs,
      completions: new Uint8Array(n).fill(1),
      windowOutputTokens: 0,
      preemptions: 0,
      prefixCacheQueries: 0,
      prefixCacheHits: 0,
      perReplica: [n],
      endMs: 1_000_000,
      events: 0,
      leftInFlight: 0,
    };
    const r = summarize(requests, result, [500, 2_000_000], {
      workload: "sharegpt",
      engine: "h100",
      pushIntervalMs: 50,
      routers: 1,
      strategy: "ours",
      qps: 1,
      grid: "sat:80",
    });
    // NTPOTs sorted: 10, 11.1, 12.5, 14.3, 16.7, 20, 25, 33.3, 50, 100; nearest-rank p90 = the 9th.
    expect(r.ntpotP90).toBe(50);
    expect(r.e2eP90).toBe(1_000);
  });
});

describe("the --upstream-experiment flag", () => {
  it("runs sharegpt on h100 with one router, the four strategies and upstream's 50 ms push by default", () => {
    const o = parseBenchArgs(["--upstream-experiment"], {});
    if (o === "help") throw new Error("help");
    expect(o.upstreamExperiment).toBe(true);
    expect(o.axes.workloads).toEqual(["sharegpt"]);
    expect(o.axes.engines).toEqual(["h100"]);
    expect(o.axes.routers).toEqual([1]);
    expect(o.axes.pushIntervalsMs).toEqual([50]);
    expect(o.strategies).toEqual(["round-robin", "kubernetes-service", "upstream-default", "ours"]);
    expect(o.out).toBe("test/bench/results/upstream-experiment");
  });

  it("has an environment twin, keeps a given push interval and strategies, and refuses --quick and --qps", () => {
    const o = parseBenchArgs(["--push-interval", "200", "--strategies", "ours,kubernetes-service"], {
      QUALITY_UPSTREAM_EXPERIMENT: "1",
    });
    if (o === "help") throw new Error("help");
    expect(o.upstreamExperiment).toBe(true);
    expect(o.axes.pushIntervalsMs).toEqual([200]);
    expect(o.strategies).toEqual(["round-robin", "ours", "kubernetes-service"]);
    expect(() => parseBenchArgs(["--upstream-experiment", "--quick"], {})).toThrow(
      /--upstream-experiment: --quick does not apply/,
    );
    expect(() => parseBenchArgs(["--upstream-experiment", "--qps", "100"], {})).toThrow(/--qps/);
    const matrix = parseBenchArgs([], {});
    if (matrix === "help") throw new Error("help");
    expect(matrix.upstreamExperiment).toBe(false);
  });
});
