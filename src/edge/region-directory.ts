/**
 * The edge's regions, fed only by pushes: one record per region, replaced whole by each accepted push.
 * Same rules as the Node pool store: a region's sequence is strictly increasing (a replayed or older
 * push is refused before anything changes), and a region whose last push is older than
 * `staleAfterMs` is stale: listed, never picked. The Durable Object persists what this class accepts.
 */
import { RouterError } from "../core/errors.js";
import type { RegionRecord } from "./region-types.js";

/** Default staleness limit: a region not heard of for 5 s is not picked (pushes come every 1 s by default). */
export const DEFAULT_REGION_STALE_MS = 5_000;

/** Result of an accepted push. */
export interface PushAccepted {
  acceptedSequence: bigint;
  modelCount: number;
}

/**
 * In-memory region directory.
 *
 * @example
 * const dir = new RegionDirectory();
 * dir.apply(parseRegionPush(req, Date.now())); // throws FailedPrecondition on a replay
 */
export class RegionDirectory {
  #regions = new Map<string, RegionRecord>();

  /** Starts from records loaded from storage (no sequence checks: they were accepted before). */
  constructor(initial: Iterable<RegionRecord> = []) {
    for (const r of initial) this.#regions.set(r.region, r);
  }

  /**
   * Accepts a validated push, or throws RouterError("FailedPrecondition") when its sequence is not
   * newer than the region's last accepted one.
   */
  apply(record: RegionRecord): PushAccepted {
    const last = this.#regions.get(record.region);
    if (last && record.sequence <= last.sequence) {
      throw new RouterError(
        "FailedPrecondition",
        `sequence ${record.sequence} from region "${record.region}" is not newer than the last accepted sequence ${last.sequence}`,
        "sequence",
      );
    }
    this.#regions.set(record.region, record);
    return { acceptedSequence: record.sequence, modelCount: record.models.length };
  }

  /** The record of one region, or undefined. */
  get(region: string): RegionRecord | undefined {
    return this.#regions.get(region);
  }

  /** Every region, sorted by name. */
  list(): RegionRecord[] {
    return [...this.#regions.values()].sort((a, b) =>
      a.region < b.region ? -1 : a.region > b.region ? 1 : 0,
    );
  }

  /** Forgets regions whose last push is older than `afterMs` at `now`; returns their names. */
  expire(now: number, afterMs: number): string[] {
    const gone: string[] = [];
    for (const [name, r] of this.#regions) {
      if (now - r.receivedAt > afterMs) {
        this.#regions.delete(name);
        gone.push(name);
      }
    }
    return gone;
  }

  /** Forgets a region (an operator removing it); true when it was there. */
  delete(region: string): boolean {
    return this.#regions.delete(region);
  }
}

/** True when the region's last push is older than `staleAfterMs` at `now` (ms). */
export function isRegionStale(record: RegionRecord, now: number, staleAfterMs: number): boolean {
  return now - record.receivedAt > staleAfterMs;
}

/** A record as JSON text for storage (bigint sequence as a decimal string). */
export function regionRecordToJson(record: RegionRecord): string {
  return JSON.stringify({ ...record, sequence: record.sequence.toString() });
}

/** The inverse of {@link regionRecordToJson}; the text is trusted (the edge wrote it). */
export function regionRecordFromJson(text: string): RegionRecord {
  const raw = JSON.parse(text) as Omit<RegionRecord, "sequence"> & { sequence: string };
  return { ...raw, sequence: BigInt(raw.sequence) };
}
