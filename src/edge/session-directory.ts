/**
 * The edge's session stickiness as the Durable Object holds it: session key -> the region that last
 * served it, one table for every isolate, bounded (`SESSION_CAPACITY`, oldest write evicted first) and
 * expiring (`SESSION_TTL_MS` after the last write). Isolates read it in batches and write to it after a
 * success (src/edge/sticky-sessions.ts). Both endpoints parse their input first, so a refused batch
 * changes nothing; refusals come back as values because Durable Object RPC does not carry error classes.
 */
import { z } from "zod";
import type { ErrorCode } from "../core/errors.js";
import { RouterError } from "../core/errors.js";
import { parseOrBadRequest } from "../core/field-error.js";
import { regionNameSchema } from "./region-push.js";
import { MAX_SESSION_ID } from "./session-key.js";
import { SessionTable } from "./session-table.js";

/** Most keys one lookup or one record call may carry. */
export const MAX_SESSION_BATCH = 256;

const keySchema = z
  .string()
  .min(3, "must be a session key (s:<id> or p:<hash>)")
  .max(2 + MAX_SESSION_ID, `must be at most ${2 + MAX_SESSION_ID} characters`)
  .regex(/^[sp]:/, 'must start with "s:" or "p:"');
const batch = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1, "must have at least 1 entry")
    .max(MAX_SESSION_BATCH, `must have at most ${MAX_SESSION_BATCH} entries`);
const lookupSchema = z.strictObject({ keys: batch(keySchema) });
const recordSchema = z.strictObject({
  entries: batch(z.strictObject({ key: keySchema, region: regionNameSchema })),
});

/** A batch read: the session keys an isolate does not have fresh. */
export type SessionLookup = z.input<typeof lookupSchema>;
/** A batch write: sessions and the region that just served them. */
export type SessionRecord = z.input<typeof recordSchema>;

/** A remembered session: its region and when that was last written (ms since epoch, the DO's clock). */
export interface SessionHit {
  key: string;
  region: string;
  at: number;
}

/** A refused call, as a value. */
export interface SessionRefusal {
  ok: false;
  code: ErrorCode;
  message: string;
  field?: string | undefined;
}

/** The answer to a lookup: hits only (a key not listed has no region). */
export type SessionLookupOutcome = { ok: true; hits: SessionHit[] } | SessionRefusal;
/** The answer to a record call. */
export type SessionRecordOutcome = { ok: true; recorded: number } | SessionRefusal;

/** What a record call changed, for the storage behind the table. */
export interface SessionChanges {
  written: SessionHit[];
  /** Keys evicted (capacity) or expired (TTL). */
  removed: string[];
}

function refusal(err: unknown): SessionRefusal {
  const e = RouterError.from(err);
  return { ok: false, code: e.code, message: e.message, field: e.field };
}

/**
 * @example
 * const sessions = new SessionDirectory(10_000, 600_000);
 * sessions.record({ entries: [{ key: "s:abc", region: "eu" }] }, Date.now());
 * sessions.lookup({ keys: ["s:abc"] }, Date.now()); // { ok: true, hits: [{ key: "s:abc", region: "eu", at }] }
 */
export class SessionDirectory {
  readonly #table: SessionTable<string>;

  /**
   * @param initial rows loaded from storage, oldest write first (no checks: they were accepted before).
   */
  constructor(capacity: number, ttlMs: number, initial: Iterable<SessionHit> = []) {
    this.#table = new SessionTable<string>(capacity, ttlMs);
    for (const row of initial) this.#table.set(row.key, row.region, row.at);
  }

  /** The regions of the keys asked for (expired and unknown keys left out). Changes nothing. */
  lookup(input: unknown, now: number): SessionLookupOutcome {
    try {
      const { keys } = parseOrBadRequest(lookupSchema, input, "session lookup");
      const hits: SessionHit[] = [];
      for (const key of keys) {
        const e = this.#table.get(key, now);
        if (e !== undefined) hits.push({ key, region: e.value, at: e.at });
      }
      return { ok: true, hits };
    } catch (err) {
      return refusal(err);
    }
  }

  /**
   * Writes a validated batch at `now` (the whole batch is parsed before anything changes) and
   * expires what is past the TTL; `changes` says what storage must write and delete.
   */
  record(input: unknown, now: number): SessionRecordOutcome & { changes?: SessionChanges } {
    let entries: { key: string; region: string }[];
    try {
      entries = parseOrBadRequest(recordSchema, input, "session record").entries;
    } catch (err) {
      return refusal(err);
    }
    const removed = new Set(this.#table.expire(now));
    const written = new Map<string, SessionHit>();
    for (const { key, region } of entries) {
      removed.delete(key);
      written.set(key, { key, region, at: now });
      for (const gone of this.#table.set(key, region, now)) {
        written.delete(gone);
        removed.add(gone);
      }
    }
    return {
      ok: true,
      recorded: entries.length,
      changes: { written: [...written.values()], removed: [...removed] },
    };
  }

  get size(): number {
    return this.#table.size;
  }
}
