/**
 * The Durable Object holding the region directory in its SQLite storage: one row per region with the
 * accepted record as JSON. One instance (named "directory") serialises every push, so the sequence
 * rule holds across isolates; state survives restarts and evictions because each accepted push is
 * written before the reply leaves (the output gate).
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
import type { Env } from "./env.js";

export class RegionDirectoryObject extends DurableObject<Env> {
  #directory: RegionDirectory;
  #expireAfterMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#expireAfterMs = edgeConfigFromEnv(env).REGION_EXPIRE_MS;
    const sql = ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS regions (region TEXT PRIMARY KEY, sequence TEXT NOT NULL, received_at REAL NOT NULL, record TEXT NOT NULL)",
    );
    const rows = sql.exec<{ record: string }>("SELECT record FROM regions").toArray();
    this.#directory = new RegionDirectory(rows.map((r) => regionRecordFromJson(r.record)));
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
