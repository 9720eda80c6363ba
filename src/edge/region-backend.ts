/**
 * Where the edge keeps its regions: the Durable Object in the worker, an in-memory directory in
 * tests and benchmarks. Asynchronous and error-as-value, because Durable Object RPC does not carry
 * error classes across.
 */
import type { ErrorCode } from "../core/errors.js";
import { RouterError } from "../core/errors.js";
import { RegionDirectory } from "./region-directory.js";
import type { RegionRecord } from "./region-types.js";

/** The outcome of a push: accepted, or refused with one of the core's error codes. */
export type PushOutcome =
  | { ok: true; acceptedSequence: bigint; modelCount: number }
  | { ok: false; code: ErrorCode; message: string; field?: string | undefined };

/** Storage of region records with the directory's sequence rule. */
export interface RegionBackend {
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

/** A backend over an in-memory directory (tests, benchmarks, a single-process edge). */
export function createMemoryBackend(directory = new RegionDirectory()): RegionBackend {
  return {
    push: (record) => Promise.resolve(pushOutcome(directory, record)),
    list: () => Promise.resolve(directory.list()),
  };
}
