/** JSON-lines logging to stdout, one object per line (every level, so a collector reads one stream). */
export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: LogLevel =
  (process.env.INFERENCE_ROUTER_LOG_LEVEL as LogLevel) in order
    ? (process.env.INFERENCE_ROUTER_LOG_LEVEL as LogLevel)
    : "info";

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (order[level] < order[threshold]) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );
  process.stdout.write(`${line}\n`);
}
