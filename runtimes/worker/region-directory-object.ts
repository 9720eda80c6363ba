/**
 * The Durable Object holding the region directory and session stickiness in its SQLite storage: one
 * row per region with the accepted record as JSON, one row per session with its region. One instance
 * (named "directory") serialises every push and session write, so the sequence rule and a session's
 * region hold across isolates; state survives restarts and evictions because each accepted change is
 * written before the reply leaves (the output gate). The rules live in src/edge; this file wires storage.
 */
import { DurableObject } from "cloudflare:workers";
import { edgeConfigFromEnv } from "../../src/edge/edge-config.js";
import { type PushOutcome, pushOutcome } from "../../src/edge/region-backend.js";
import {
  RegionDirectory,
  regionRecordFromJson,
  regionRecordToJson,
} from "../../src/edge/region-directory.js";
import type { RegionRecord } from "../../src/edge/region-types.js";
import {
  SessionDirectory,
  type SessionLookupOutcome,
  type SessionRecordOutcome,
} from "../../src/edge/session-directory.js";
import type { Env } from "./env.js";

export class RegionDirectoryObject extends DurableObject<Env> {
  #directory: RegionDirectory;
  #sessions: SessionDirectory;
  #expireAfterMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = edgeConfigFromEnv(env);
    this.#expireAfterMs = config.REGION_EXPIRE_MS;
    const sql = ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS regions (region TEXT PRIMARY KEY, sequence TEXT NOT NULL, received_at REAL NOT NULL, record TEXT NOT NULL)",
    );
    sql.exec(
      "CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, region TEXT NOT NULL, at REAL NOT NULL)",
    );
    const rows = sql.exec<{ record: string }>("SELECT record FROM regions").toArray();
    this.#directory = new RegionDirectory(rows.map((r) => regionRecordFromJson(r.record)));
    // Oldest write first, so the table's write order (eviction and expiry order) comes back as it was.
    const sessions = sql.exec<{ key: string; region: string; at: number }>(
      "SELECT key, region, at FROM sessions ORDER BY at",
    );
    this.#sessions = new SessionDirectory(config.SESSION_CAPACITY, config.SESSION_TTL_MS, sessions);
  }

  /** The regions of the sessions asked for (parsed; a refused lookup is answered as a value). */
  lookupSessions(input: unknown): SessionLookupOutcome {
    return this.#sessions.lookup(input, Date.now());
  }

  /** Records the regions that just served sessions (parsed; a refused batch changes nothing). */
  recordSessions(input: unknown): SessionRecordOutcome {
    const { changes, ...outcome } = this.#sessions.record(input, Date.now());
    const sql = this.ctx.storage.sql;
    for (const row of changes?.written ?? []) {
      sql.exec(
        "INSERT OR REPLACE INTO sessions (key, region, at) VALUES (?, ?, ?)",
        row.key,
        row.region,
        row.at,
      );
    }
    for (const key of changes?.removed ?? []) sql.exec("DELETE FROM sessions WHERE key = ?", key);
    return outcome;
  }

  /** Applies a validated push (sequence rule) and stores it. */
  push(record: RegionRecord): PushOutcome {
    const outcome = pushOutcome(this.#directory, record);
    if (outcome.ok) {
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO regions (region, sequence, received_at, record) VALUES (?, ?, ?, ?)",
        record.region,
        record.sequence.toString(),
        record.receivedAt,
        regionRecordToJson(record),
      );
    }
    return outcome;
  }

  /** Every region, sorted by name; regions silent for REGION_EXPIRE_MS are deleted first. */
  list(): RegionRecord[] {
    for (const region of this.#directory.expire(Date.now(), this.#expireAfterMs)) {
      this.ctx.storage.sql.exec("DELETE FROM regions WHERE region = ?", region);
    }
    return this.#directory.list();
  }
}
