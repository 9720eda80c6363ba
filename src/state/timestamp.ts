/**
 * google.protobuf.Timestamp as pushes carry it. Protobuf defines a Timestamp only for years 0001-9999
 * (its JSON form, RFC 3339, cannot say more), so a push outside that range is refused where it comes
 * in: accepted, it would make every later JSON read of the pool fail to encode. An observedAt ahead of
 * the receiver's clock is refused too: the store and the between-push accounting take it as "now".
 */
import { z } from "zod";
import { RouterError } from "../core/errors.js";

/** 0001-01-01T00:00:00Z, the first second a protobuf Timestamp may hold. */
export const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
/** 9999-12-31T23:59:59Z, the last second a protobuf Timestamp may hold. */
export const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;
/** Largest `nanos` of a protobuf Timestamp. */
export const MAX_TIMESTAMP_NANOS = 999_999_999;

const SECONDS_RULE = `must be between ${MIN_TIMESTAMP_SECONDS} and ${MAX_TIMESTAMP_SECONDS} (years 0001-9999)`;
const NANOS_RULE = `must be between 0 and ${MAX_TIMESTAMP_NANOS}`;

/** The `$typeName`/`$unknown` keys a decoded protobuf-es message has, for strict schemas of messages. */
export const messageKeys = {
  $typeName: z.string().optional(),
  $unknown: z.array(z.unknown()).optional(),
};

/**
 * A Timestamp in range. `$typeName` and `$unknown` are what a decoded protobuf-es message carries besides
 * its fields; every other unknown key is refused by name.
 */
export const timestampSchema = z.strictObject({
  seconds: z.bigint().min(MIN_TIMESTAMP_SECONDS, SECONDS_RULE).max(MAX_TIMESTAMP_SECONDS, SECONDS_RULE),
  nanos: z.int().min(0, NANOS_RULE).max(MAX_TIMESTAMP_NANOS, NANOS_RULE),
  ...messageKeys,
});

/**
 * The push's observedAt in ms since the epoch: `receivedAt` when absent; refused when it is more than
 * `maxClockSkewMs` ahead of `receivedAt`.
 * @throws RouterError("BadRequest") naming `field`, its value and the limit.
 */
export function observedAtMs(
  ts: { seconds: bigint; nanos: number } | undefined,
  receivedAt: number,
  maxClockSkewMs: number,
  field = "observedAt",
): number {
  if (ts === undefined) return receivedAt;
  const ms = Number(ts.seconds) * 1000 + ts.nanos / 1e6;
  const ahead = ms - receivedAt;
  if (ahead > maxClockSkewMs) {
    throw new RouterError(
      "BadRequest",
      `${field}: ${isoOrSeconds(ts.seconds, ms)} is ${Math.ceil(ahead)} ms ahead of the receiver's clock (${isoOrSeconds(undefined, receivedAt)}); at most ${maxClockSkewMs} ms is allowed (state.maxClockSkewMs)`,
      field,
    );
  }
  return ms;
}

function isoOrSeconds(seconds: bigint | undefined, ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${seconds}s` : d.toISOString();
}
