import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { logPushChanges } from "../../src/push/log-push-changes.js";
import type { PushEvent } from "../../src/push/push-loop.js";

const ok = (changed: boolean, failuresBefore: number): PushEvent<unknown> => ({
  ok: true,
  message: {},
  final: false,
  changed,
  pushMs: 1,
  failuresBefore,
});
const failed = (changed: boolean, attempt: number): PushEvent<unknown> => ({
  ok: false,
  message: {},
  final: false,
  changed,
  error: new ConnectError("connect ECONNREFUSED", Code.Unavailable),
  attempt,
  retryInMs: 400,
  stopped: false,
});

describe("logPushChanges", () => {
  it("logs the first failure and the recovery once each, and nothing else", () => {
    const lines: [string, string, Record<string, unknown>][] = [];
    const onPush = logPushChanges((...l) => lines.push(l), "edge push", { region: "eu" });
    for (const e of [ok(true, 0), ok(false, 0), failed(true, 1), failed(false, 2), ok(true, 2), ok(false, 0)])
      onPush(e);
    expect(lines).toEqual([
      [
        "warn",
        "edge push failed",
        { region: "eu", code: "Unavailable", error: "connect ECONNREFUSED", retryInMs: 400 },
      ],
      ["info", "edge push recovered", { region: "eu", after: 2 }],
    ]);
  });
});
