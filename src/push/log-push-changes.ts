/**
 * The log rule of a push loop: each change between failing and succeeding is logged once, so a
 * receiver that is down for an hour costs one line, not one per retry. src/ cannot log; the runtime
 * passes its logger in.
 */
import { Code } from "@connectrpc/connect";
import type { PushEvent } from "./push-loop.js";

/** A runtime's structured logger, as far as the push loop needs it. */
export type PushLog = (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;

/**
 * An onPush for createPushLoop that logs `<what> failed` (warn, with the Connect code name, the
 * error and the backoff) at the first failure and `<what> recovered` (info, with the number of
 * failures) at the first success after failures; every other push is silent.
 *
 * @example
 * createPushLoop({ ..., onPush: logPushChanges(log, "edge push", { url, region }) });
 * // {"level":"warn","msg":"edge push failed","url":"...","code":"Unavailable","error":"...","retryInMs":1800}
 */
export function logPushChanges(
  log: PushLog,
  what: string,
  fields: Record<string, unknown>,
): (event: PushEvent<unknown>) => void {
  return (e) => {
    if (!e.changed) return;
    if (e.ok) {
      if (e.failuresBefore > 0) log("info", `${what} recovered`, { ...fields, after: e.failuresBefore });
      return;
    }
    log("warn", e.stopped ? `${what} refused; not retrying` : `${what} failed`, {
      ...fields,
      code: Code[e.error.code],
      error: e.error.rawMessage,
      retryInMs: e.retryInMs,
    });
  };
}
