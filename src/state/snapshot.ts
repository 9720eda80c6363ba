/**
 * Turns an untrusted push (the decoded PushSnapshotRequest, or any object of that shape) into a
 * validated `Snapshot`. Every refusal names the field, the value and the limit.
 */

import { z } from "zod";
import { routerDefaults } from "../api/router-config.js";
import { RouterError } from "../core/errors.js";
import { parseOrBadRequest, renderValue } from "../core/field-error.js";
import { parseAddress, sameSocketKey } from "./address.js";
import { messageKeys, observedAtMs, timestampSchema } from "./timestamp.js";
import type { Snapshot } from "./types.js";

/** Limits on one snapshot. */
export interface SnapshotLimits {
  /** Most endpoints one snapshot may carry. Default 10,000. */
  maxEndpoints: number;
  /**
   * How far observedAt may be ahead of the receive time (ms) before the push is refused
   * (RouterConfig `spec.state.maxClockSkewMs`). Default 5000.
   */
  maxClockSkewMs?: number;
}

export const defaultSnapshotLimits: SnapshotLimits = {
  maxEndpoints: routerDefaults.limits.maxEndpointsPerSnapshot,
  maxClockSkewMs: routerDefaults.state.maxClockSkewMs,
};

const name = z.string().min(1, "must not be empty").max(253, "must be at most 253 characters");
const count = z.number().int().min(0).max(1_000_000, "must be at most 1000000");
const names = (max: number) =>
  z.array(z.string().max(253, "must be at most 253 characters")).max(max, `must have at most ${max} entries`);

// Strict: a misspelt metric would otherwise read as 0 and make a busy pod look idle.
const metricsSchema = z.strictObject({
  ...messageKeys,
  waitingRequests: count,
  runningRequests: count,
  kvCacheUsage: z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1"),
  activeAdapters: names(1000),
  waitingAdapters: names(1000),
  maxAdapters: count,
  blockSize: count,
  numBlocks: z.number().int().min(0).max(1e9, "must be at most 1000000000"),
});

const defaultMetrics = {
  waitingRequests: 0,
  runningRequests: 0,
  kvCacheUsage: 0,
  activeAdapters: [],
  waitingAdapters: [],
  maxAdapters: 0,
  blockSize: 0,
  numBlocks: 0,
};

const endpointSchema = z.strictObject({
  ...messageKeys,
  address: z.string().min(1, "must not be empty"),
  ready: z.boolean(),
  labels: z
    .record(z.string().max(317), z.string().max(1024))
    .refine((l) => Object.keys(l).length <= 64, "must have at most 64 labels"),
  engine: z.string().max(64, "must be at most 64 characters"),
  models: names(1000),
  metrics: metricsSchema.optional(),
});

/** Built once per endpoint limit: building a zod schema costs ~400 µs, more than parsing a push with it. */
const snapshotSchemas = new Map<number, ReturnType<typeof buildSnapshotSchema>>();

function snapshotSchema(limits: SnapshotLimits) {
  let schema = snapshotSchemas.get(limits.maxEndpoints);
  if (schema === undefined) {
    schema = buildSnapshotSchema(limits.maxEndpoints);
    snapshotSchemas.set(limits.maxEndpoints, schema);
  }
  return schema;
}

function buildSnapshotSchema(maxEndpoints: number) {
  return z.strictObject({
    ...messageKeys,
    pool: name,
    source: name,
    sequence: z.bigint().min(1n, "must be at least 1"),
    observedAt: timestampSchema.optional(),
    endpoints: z
      .array(endpointSchema)
      .max(maxEndpoints, `must have at most ${maxEndpoints} entries (limits.maxEndpointsPerSnapshot)`),
  });
}

/** Decoded push as it comes off the wire (protobuf-es message or the same shape). */
export type SnapshotInput = z.input<ReturnType<typeof buildSnapshotSchema>>;

/**
 * Validates a push. `receivedAt` (ms) stands in for a missing observedAt; an observedAt more than
 * `limits.maxClockSkewMs` ahead of it is refused.
 * @throws RouterError("BadRequest") naming the first bad field.
 */
export function parseSnapshot(input: unknown, receivedAt: number, limits = defaultSnapshotLimits): Snapshot {
  const s = parseOrBadRequest(snapshotSchema(limits), input, "snapshot");
  const seen = new Map<string, number>();
  const endpoints = s.endpoints.map((e, i) => {
    const addr = parseAddress(e.address);
    const field = `endpoints[${i}].address`;
    if (typeof addr === "string")
      throw new RouterError("BadRequest", `${field}: ${renderValue(e.address)} ${addr}`, field);
    // An IPv4-mapped IPv6 address is the same socket as its IPv4 form: one pod, counted once.
    const key = sameSocketKey(addr);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new RouterError(
        "BadRequest",
        `${field}: ${renderValue(e.address)} appears twice in one snapshot (as endpoints[${first}].address ${renderValue(s.endpoints[first]!.address)})`,
        field,
      );
    }
    seen.set(key, i);
    return {
      ...addr,
      ready: e.ready,
      labels: e.labels,
      engine: e.engine,
      models: e.models,
      metrics: e.metrics ? withoutMessageKeys(e.metrics) : defaultMetrics,
    };
  });
  const observedAt = observedAtMs(
    s.observedAt,
    receivedAt,
    limits.maxClockSkewMs ?? routerDefaults.state.maxClockSkewMs,
  );
  return { pool: s.pool, source: s.source, sequence: s.sequence, observedAt, endpoints };
}

/** The fields of a decoded message, without protobuf-es's `$typeName` and `$unknown`. */
function withoutMessageKeys<T extends { $typeName?: string; $unknown?: unknown[] }>(
  m: T,
): Omit<T, "$typeName" | "$unknown"> {
  const { $typeName: _type, $unknown: _unknown, ...fields } = m;
  return fields;
}
