/** How a forwarded response ended, reported once per request (lease release, metrics, logs). */
import type { ErrorCode } from "../core/errors.js";
import type { Usage } from "../openai/usage-tap.js";

export interface StreamOutcome {
  /** "completed": the upstream finished; "failed": it broke or went idle; "cancelled": the client left. */
  status: "completed" | "failed" | "cancelled";
  /** Bytes sent to the client. */
  responseBytes: number;
  usage: Usage | undefined;
  /** Set when status is "failed". */
  error?: { code: ErrorCode; message: string };
}

/** Called exactly once when the response ends, whatever the path. */
export type OnOutcome = (outcome: StreamOutcome) => void;
