import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "../bench/quality/cli-args.js";
import {
  fullMatrix,
  type MatrixAxes,
  type MatrixPoint,
  quickAnchors,
  quickMatrix,
  quickSelection,
  smallPoolAnchors,
} from "../bench/quality/matrix.js";
import { poolSize, task } from "../bench/quality/sweep.js";

const axes: MatrixAxes = {
  workloads: ["sharegpt", "shared-prefix", "multi-turn", "lora", "agentic", "bursty"],
  engines: ["h100", "kv-bound", "seq-bound", "hetero"],
  pushIntervalsMs: [50, 200, 1_000],
  routers: [1, 3],
  loadPercents: [50, 80, 100, 120],
};
const key = (p: MatrixPoint) => `${p.workload}/${p.engine}/${p.pushIntervalMs}/${p.routers}/${p.loadPercent}`;

describe("the measuring matrix's point selection", () => {
  it("runs the whole cross product in a full run", () => {
    const points = fullMatrix(axes);
    expect(points).toHaveLength(6 * 4 * 3 * 2 * 4);
    expect(new Set(points.map(key)).size).toBe(points.length);
  });

  it("covers every value of every axis in the quick subset, with no point twice", () => {
    const points = quickMatrix(axes);
    expect(points).toHaveLength(12);
    expect(new Set(points.map(key)).size).toBe(12);
    expect(new Set(points.map((p) => p.workload))).toEqual(new Set(axes.workloads));
    expect(new Set(points.map((p) => p.engine))).toEqual(new Set(axes.engines));
    expect(new Set(points.map((p) => p.pushIntervalMs))).toEqual(new Set(axes.pushIntervalsMs));
    expect(new Set(points.map((p) => p.routers))).toEqual(new Set(axes.routers));
    expect(new Set(points.map((p) => p.loadPercent))).toEqual(new Set(axes.loadPercents));
  });

  it("spreads the quick subset evenly: each value of an axis used a fair share of the time", () => {
    const points = quickMatrix(axes);
    const count = (f: (p: MatrixPoint) => unknown) => {
      const m = new Map<unknown, number>();
      for (const p of points) m.set(f(p), (m.get(f(p)) ?? 0) + 1);
      return [...m.values()];
    };
    expect(Math.max(...count((p) => p.engine))).toBe(3);
    expect(Math.max(...count((p) => p.loadPercent))).toBe(3);
    expect(Math.max(...count((p) => p.workload))).toBe(2);
    // Engine and load (both of length 4) are not aliased: a modulo design would give only 4 pairs.
    expect(new Set(points.map((p) => `${p.engine}/${p.loadPercent}`)).size).toBeGreaterThanOrEqual(10);
  });

  it("is deterministic and stops at the size of the cross product", () => {
    expect(quickMatrix(axes)).toEqual(quickMatrix(axes));
    const tiny: MatrixAxes = {
      ...axes,
      workloads: ["sharegpt"],
      engines: ["h100"],
      pushIntervalsMs: [200],
      routers: [1],
    };
    const points = quickMatrix(tiny, 50);
    expect(points).toHaveLength(4);
    expect(new Set(points.map(key)).size).toBe(4);
  });

  it("adds the calibrated sharegpt anchors to the quick run when the axes have them, and only then", () => {
    const points = quickSelection(axes);
    for (const a of quickAnchors) expect(points.map(key)).toContain(key(a));
    const noH100 = quickSelection({ ...axes, engines: ["kv-bound"] });
    expect(noH100.some((p) => p.engine === "h100")).toBe(false);
  });

  it("adds the 4-replica points (KV-bound shared-prefix at 85% for 120 s, agentic h100 at 120%) when the axes have their base engine", () => {
    const points = quickSelection(axes);
    expect(points.filter((p) => p.engine.endsWith("-x4"))).toEqual([
      {
        workload: "shared-prefix",
        engine: "kv-bound-x4",
        pushIntervalMs: 200,
        routers: 1,
        loadPercent: 85,
        durationS: 120,
      },
      { workload: "agentic", engine: "h100-x4", pushIntervalMs: 200, routers: 1, loadPercent: 120 },
    ]);
    expect(smallPoolAnchors).toHaveLength(2);
    const noKv = quickSelection({ ...axes, engines: ["h100"] });
    expect(noKv.map((p) => p.engine)).not.toContain("kv-bound-x4");
    expect(noKv.map((p) => p.engine)).toContain("h100-x4");
    const o = parseBenchArgs(["--quick"], {});
    if (o === "help") throw new Error("help");
    expect(poolSize(o, "kv-bound-x4")).toBe(4);
    expect(poolSize(o, "kv-bound")).toBe(10);
    expect(task(o, points.at(-2)!, 5, "sat:85", ["round-robin"], 120).replicas).toBe(4);
  });

  it("parses every axis flag, with a default for each and an error naming a bad value", () => {
    const o = parseBenchArgs(["--quick"], {});
    if (o === "help") throw new Error("help");
    expect(o.axes).toEqual(axes);
    expect(o.connections).toBe(8);
    const p = parseBenchArgs(
      [
        "--engines",
        "hetero",
        "--push-interval",
        "50",
        "--routers",
        "3",
        "--load",
        "100",
        "--connections",
        "4",
      ],
      {},
    );
    if (p === "help") throw new Error("help");
    expect(p.axes.engines).toEqual(["hetero"]);
    expect(p.axes.pushIntervalsMs).toEqual([50]);
    expect(p.axes.routers).toEqual([3]);
    expect(p.axes.loadPercents).toEqual([100]);
    expect(p.connections).toBe(4);
    expect(() => parseBenchArgs(["--engines", "tpu"], {})).toThrow(/--engines: unknown "tpu"/);
    expect(() => parseBenchArgs(["--routers", "1.5"], {})).toThrow(/--routers: 1.5/);
    expect(parseBenchArgs(["--help"], {})).toBe("help");
  });
});
