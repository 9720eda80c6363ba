/**
 * Runs point tasks on N child processes (tsx-loaded), biggest first, with a one-line progress
 * display on stderr. Every child is killed when the pool ends, whatever happens.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pointLabel } from "./matrix.js";
import type { PointTask } from "./run-point.js";
import type { ResultRow } from "./summary.js";

const workerFile = fileURLToPath(new URL("./worker.ts", import.meta.url));

interface Reply {
  id: number;
  rows?: ResultRow[];
  error?: string;
}

/** Rewrites one stderr line (a plain line per update when stderr is not a terminal). */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

/** Runs `tasks` on `jobs` processes; resolves with the rows in task order. */
export async function runTasks(
  tasks: readonly PointTask[],
  jobs: number,
  label: string,
): Promise<ResultRow[][]> {
  const results: ResultRow[][] = new Array(tasks.length);
  const order = tasks
    .map((t, id) => ({ t, id }))
    .sort((a, b) => b.t.qps * b.t.durationS - a.t.qps * a.t.durationS);
  const started = Date.now();
  let next = 0;
  let finished = 0;
  const children: ChildProcess[] = [];
  const show = (last?: PointTask) => {
    const elapsed = (Date.now() - started) / 1000;
    const left = finished > 0 ? (elapsed / finished) * (tasks.length - finished) : Number.NaN;
    progress(
      `${label}: ${finished}/${tasks.length} points, ${elapsed.toFixed(0)} s` +
        (Number.isFinite(left) && finished < tasks.length ? `, ~${left.toFixed(0)} s left` : "") +
        (last ? ` (last: ${pointLabel(last)}, ${last.qps.toFixed(1)} QPS)` : ""),
    );
  };
  try {
    await new Promise<void>((resolve, reject) => {
      if (tasks.length === 0) return resolve();
      const feed = (child: ChildProcess) => {
        const item = order[next++];
        if (item) child.send({ ...item.t, id: item.id });
      };
      for (let j = 0; j < Math.min(jobs, tasks.length); j++) {
        const child = fork(workerFile, [], {
          execArgv: ["--import", "tsx"],
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        children.push(child);
        child.on("message", (m: Reply) => {
          if (m.error !== undefined)
            return reject(new Error(`point ${JSON.stringify(tasks[m.id])}: ${m.error}`));
          results[m.id] = m.rows ?? [];
          finished++;
          show(tasks[m.id]);
          if (finished === tasks.length) resolve();
          else feed(child);
        });
        child.on("exit", (code) => {
          if (finished < tasks.length) reject(new Error(`worker exited with code ${code}`));
        });
        feed(child);
      }
      show();
    });
  } finally {
    for (const c of children) c.kill();
    if (process.stderr.isTTY) process.stderr.write("\n");
  }
  return results;
}
