import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchOptions, parseBenchArgs } from "../bench/quality/cli-args.js";
import { fullMatrix } from "../bench/quality/matrix.js";
import { commandOf } from "../bench/quality/report.js";
import { toCsv } from "../bench/quality/report-csv.js";
import { loadReuse, pointSettings, type RunTasks, runWithReuse } from "../bench/quality/reuse.js";
import { type PointTask, runPoint } from "../bench/quality/run-point.js";
import type { ResultRow } from "../bench/quality/summary.js";
import { task } from "../bench/quality/sweep.js";

const tiny = [
  ...["--workload", "sharegpt", "--engines", "h100", "--push-interval", "200,1000", "--routers", "1"],
  ...[
    "--strategies",
    "round-robin,least-request,ours",
    "--replicas",
    "3",
    "--duration",
    "4",
    "--load",
    "40,80",
  ],
];

function options(extra: string[]): BenchOptions {
  const o = parseBenchArgs([...tiny, ...extra], {});
  if (o === "help") throw new Error("help");
  return o;
}

/** Runs tasks in-process, recording what it was asked to simulate. */
function recorder(): { run: RunTasks; asked: PointTask[] } {
  const asked: PointTask[] = [];
  return {
    asked,
    run: async (tasks) => {
      asked.push(...tasks);
      return tasks.map(runPoint);
    },
  };
}

let dir: string;
let file: string;
let full: ResultRow[];
let tasks: PointTask[];

/** Writes `rows` as FILE and a run.json of `o`'s settings beside it. */
async function writeRun(rows: readonly ResultRow[], o: BenchOptions, json?: object): Promise<void> {
  await writeFile(file, toCsv(rows));
  await writeFile(
    join(dir, "run.json"),
    JSON.stringify(json ?? { options: o, pointSettings: pointSettings(o) }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quality-reuse-"));
  file = join(dir, "matrix.csv");
  const o = options([]);
  tasks = fullMatrix(o.axes).map((p) =>
    task(o, p, p.loadPercent / 4, `sat:${p.loadPercent}`, o.strategies, o.durationS),
  );
  full = tasks.flatMap(runPoint);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("--reuse FILE (rows of a previous run for the strategies not re-run)", () => {
  it("takes every other strategy's rows from FILE and simulates only ours: the rows equal a full run's", async () => {
    const o = options(["--reuse", "placeholder", "--reuse-check", "2"]);
    await writeRun(full, o);
    const { run, asked } = recorder();
    const { rows, stats } = await runWithReuse(tasks, o, await loadReuse(o, file), run, () => {});
    expect(toCsv(rows)).toBe(toCsv(full));
    const matrixAsked = asked.slice(2);
    expect(matrixAsked.map((t) => t.strategies)).toEqual(tasks.map(() => ["ours"]));
    expect(asked.slice(0, 2).every((t) => t.strategies.length === 1 && t.strategies[0] !== "ours")).toBe(
      true,
    );
    expect(stats).toMatchObject({
      reused: 2 * tasks.length,
      simulated: tasks.length,
      missing: 0,
      checked: 2,
    });
    expect(commandOf(o)).toContain("--reuse placeholder --rerun ours");
  });

  it("simulates the rows FILE lacks and counts them", async () => {
    const o = options(["--reuse", file, "--reuse-check", "0"]);
    const lacking = full.filter((r) => !(r.strategy === "least-request" && r.pushIntervalMs === 1000));
    await writeRun(lacking, o);
    const { run, asked } = recorder();
    const lines: string[] = [];
    const { rows, stats } = await runWithReuse(tasks, o, await loadReuse(o, file), run, (l) => lines.push(l));
    expect(toCsv(rows)).toBe(toCsv(full));
    const missingPoints = tasks.filter((t) => t.pushIntervalMs === 1000).length;
    expect(stats.missing).toBe(missingPoints);
    expect(stats.simulated).toBe(tasks.length + missingPoints);
    expect(asked.filter((t) => t.strategies.includes("least-request"))).toHaveLength(missingPoints);
    expect(lines.join("\n")).toContain(`${missingPoints} rows missing from FILE`);
  });

  it("refuses FILE when a point setting of its run differs, naming the setting", async () => {
    await writeRun(full, options([]));
    await expect(loadReuse(options(["--seed", "7"]), file)).rejects.toThrow(
      /other point settings .*seed: 42 in FILE's run, 7 in this one/,
    );
    await expect(loadReuse(options(["--connections", "4"]), file)).rejects.toThrow(
      /connections: 8 in FILE's run, 4 in this one/,
    );
    await expect(loadReuse(options(["--duration", "5"]), file)).rejects.toThrow(/durationS: 4 .*, 5 /);
  });

  it("accepts a run.json written before --reuse (options only), comparing its options", async () => {
    const o = options([]);
    await writeRun(full, o, { options: o });
    await expect(loadReuse(o, file)).resolves.toMatchObject({ file });
    await expect(loadReuse(options(["--replicas", "4"]), file)).rejects.toThrow(/replicas: 3 .*, 4 /);
  });

  it("catches a reused row that its re-simulation does not reproduce, naming the row and figure", async () => {
    const o = options(["--reuse", file, "--reuse-check", "100"]);
    const tampered = full.map((r, i) => (i === 1 ? { ...r, e2eP90: r.e2eP90 + 1 } : r));
    expect(tampered[1]!.strategy).toBe("least-request");
    await writeRun(tampered, o);
    const { run, asked } = recorder();
    await expect(runWithReuse(tasks, o, await loadReuse(o, file), run, () => {})).rejects.toThrow(
      /row for least-request at sharegpt \/ h100 \/ push 200 ms \/ 1 router \/ 40% .*e2eP90/,
    );
    expect(asked.every((t) => t.strategies.length === 1)).toBe(true);
  });

  it("parses --reuse, --rerun and --reuse-check with environment twins, and refuses them where they do not apply", () => {
    const o = parseBenchArgs([], {
      QUALITY_REUSE: "m.csv",
      QUALITY_RERUN: "ours,dynamo",
      QUALITY_REUSE_CHECK: "5",
    });
    if (o === "help") throw new Error("help");
    expect([o.reuse, o.rerun, o.reuseCheck]).toEqual(["m.csv", ["ours", "dynamo"], 5]);
    expect(options(["--reuse", "m.csv"]).rerun).toEqual(["ours"]);
    expect(() => parseBenchArgs(["--rerun", "ours"], {})).toThrow(/--rerun: applies only with --reuse/);
    expect(() => parseBenchArgs(["--reuse", "m.csv", "--report-only"], {})).toThrow(/--report-only/);
    expect(() => options(["--reuse", "m.csv", "--rerun", "dynamo"])).toThrow(/--rerun: unknown "dynamo"/);
  });
});
