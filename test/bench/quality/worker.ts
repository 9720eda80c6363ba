/** A worker process: runs the point tasks it is sent and answers with their rows. */
import { type PointTask, runPoint } from "./run-point.js";

process.on("message", (task: PointTask & { id: number }) => {
  try {
    const rows = runPoint(task);
    process.send?.({ id: task.id, rows });
  } catch (err) {
    process.send?.({ id: task.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
