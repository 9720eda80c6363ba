import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "../bench/quality/cli-args.js";
import { fullMatrix, pointLabel, quickMatrix } from "../bench/quality/matrix.js";
import { toCsv } from "../bench/quality/report-csv.js";
import { rowsFromCsv } from "../bench/quality/report-from-csv.js";
import type { ResultRow } from "../bench/quality/summary.js";
import { task } from "../bench/quality/sweep.js";

const base = { workloads: ["sharegpt"], engines: ["h100"], pushIntervalsMs: [1_000], loadPercents: [80] };

describe("the routers axis with peer sharing (issue 22 item 5)", () => {
  it('parses "3p" as 3 routers sharing in-flight every 50 ms, and refuses "1p" and "xp"', () => {
    const o = parseBenchArgs(["--routers", "1,3,3p"], {});
    if (o === "help") throw new Error("help");
    expect(o.axes.routers).toEqual([1, 3, "3p"]);
    expect(() => parseBenchArgs(["--routers", "1p"], {})).toThrow(
      /--routers: 1 is not a number in \[2, 64\]/,
    );
    expect(() => parseBenchArgs(["--routers", "xp"], {})).toThrow(/--routers: x/);
  });

  it("runs 3 and 3p as distinct points, 3p with peer sharing in its task and label", () => {
    const points = fullMatrix({ ...base, routers: [3, "3p"] });
    expect(points.map((p) => [p.routers, p.peerIntervalMs])).toEqual([
      [3, undefined],
      [3, 50],
    ]);
    expect(quickMatrix({ ...base, routers: [1, "3p"] }, 2).map((p) => p.peerIntervalMs)).toEqual([
      undefined,
      50,
    ]);
    const o = parseBenchArgs([], {});
    if (o === "help") throw new Error("help");
    expect(task(o, points[1]!, 10, "sat:80", ["ours"], 10).peerIntervalMs).toBe(50);
    expect(task(o, points[0]!, 10, "sat:80", ["ours"], 10).peerIntervalMs).toBeUndefined();
    const label = (i: number) => pointLabel({ ...points[i]!, grid: "sat:80" });
    expect(label(0)).toBe("sharegpt / h100 / push 1000 ms / 3 routers / 80%");
    expect(label(1)).toBe("sharegpt / h100 / push 1000 ms / 3 routers sharing 50 ms / 80%");
  });

  it("keeps the sharing period through the CSV (0 = none), so a rebuilt report tells 3 from 3p", () => {
    const row = { workload: "w", engine: "e", pushIntervalMs: 1, routers: 3, strategy: "s", grid: "g" };
    const rows = rowsFromCsv(toCsv([row as ResultRow, { ...row, peerIntervalMs: 50 } as ResultRow]));
    expect(rows.map((r) => r.peerIntervalMs)).toEqual([0, 50]);
    expect(pointLabel(rows[0]!)).not.toBe(pointLabel(rows[1]!));
  });
});
