/**
 * Where the edge keeps its regions and sessions: the Durable Object in the worker, in-memory ones in
 * tests and benchmarks. Asynchronous and error-as-value, because Durable Object RPC does not carry
 * error classes across.
 */
import type { ErrorCode } from "../core/errors.js";
import { RouterError } from "../core/errors.js";
import { RegionDirectory } from "./region-directory.js";
import type { RegionRecord } from "./region-types.js";
import { SessionDirectory } from "./session-directory.js";
import type { SessionBackend } from "./sticky-sessions.js";

/** The outcome of a push: accepted, or refused with one of the core's error codes. */
export type PushOutcome =
  | { ok: true; acceptedSequence: bigint; modelCount: number }
  | { ok: false; code: ErrorCode; message: string; field?: string | undefined };

/** Storage of region records with the directory's sequence rule, and of session stickiness. */
export interface RegionBackend extends SessionBackend {
  /** Applies a validated push (sequence rule enforced by the backend, atomically). */
  push(record: RegionRecord): Promise<PushOutcome>;
  /** Every region, sorted by name. */
  list(): Promise<RegionRecord[]>;
}

/** Runs a directory push and turns a refusal into a value. */
export function pushOutcome(directory: RegionDirectory, record: RegionRecord): PushOutcome {
  try {
    return { ok: true, ...directory.apply(record) };
  } catch (err) {
    const e = RouterError.from(err);
    return { ok: false, code: e.code, message: e.message, field: e.field };
  }
}

/**
 * A backend over an in-memory directory and session table (tests, benchmarks, a single-process edge);
 * apps sharing one backend behave as isolates sharing one Durable Object.
 */
export function createMemoryBackend(
  directory = new RegionDirectory(),
  sessions = new SessionDirectory(10_000, 600_000),
  now: () => number = Date.now,
): RegionBackend {
  return {
    push: (record) => Promise.resolve(pushOutcome(directory, record)),
    list: () => Promise.resolve(directory.list()),
    lookupSessions: (input) => Promise.resolve(sessions.lookup(input, now())),
    recordSessions: (input) => {
      const { changes: _changes, ...outcome } = sessions.record(input, now());
      return Promise.resolve(outcome);
    },
  };
}
