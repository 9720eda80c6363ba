/**
 * Turns an untrusted push (the decoded PushSnapshotRequest, or any object of that shape) into a
 * validated `Snapshot`. Every refusal names the field, the value and the limit.
 */

import { z } from "zod";
import { routerDefaults } from "../api/router-config.js";
import { RouterError } from "../core/errors.js";
import { parseOrBadRequest, renderValue } from "../core/field-error.js";
import { parseAddress } from "./address.js";
import type { Snapshot } from "./types.js";

/** Limits on one snapshot. */
export interface SnapshotLimits {
  /** Most endpoints one snapshot may carry. Default 10,000. */
  maxEndpoints: number;
}

export const defaultSnapshotLimits: SnapshotLimits = {
  maxEndpoints: routerDefaults.limits.maxEndpointsPerSnapshot,
};

const name = z.string().min(1, "must not be empty").max(253, "must be at most 253 characters");
const count = z.number().int().min(0).max(1_000_000, "must be at most 1000000");
const names = (max: number) =>
  z.array(z.string().max(253, "must be at most 253 characters")).max(max, `must have at most ${max} entries`);

const metricsSchema = z.object({
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

const endpointSchema = z.object({
  address: z.string().min(1, "must not be empty"),
  ready: z.boolean(),
  labels: z
    .record(z.string().max(317), z.string().max(1024))
    .refine((l) => Object.keys(l).length <= 64, "must have at most 64 labels"),
  engine: z.string().max(64, "must be at most 64 characters"),
  models: names(1000),
  metrics: metricsSchema.optional(),
});

function snapshotSchema(limits: SnapshotLimits) {
  return z.object({
    pool: name,
    source: name,
    sequence: z.bigint().min(1n, "must be at least 1"),
    observedAt: z.object({ seconds: z.bigint(), nanos: z.number().int() }).optional(),
    endpoints: z
      .array(endpointSchema)
      .max(
        limits.maxEndpoints,
        `must have at most ${limits.maxEndpoints} entries (limits.maxEndpointsPerSnapshot)`,
      ),
  });
}

/** Decoded push as it comes off the wire (protobuf-es message or the same shape). */
export type SnapshotInput = z.input<ReturnType<typeof snapshotSchema>>;

/**
 * Validates a push. `receivedAt` (ms) stands in for a missing observedAt.
 * @throws RouterError("BadRequest") naming the first bad field.
 */
export function parseSnapshot(input: unknown, receivedAt: number, limits = defaultSnapshotLimits): Snapshot {
  const s = parseOrBadRequest(snapshotSchema(limits), input, "snapshot");
  const seen = new Set<string>();
  const endpoints = s.endpoints.map((e, i) => {
    const addr = parseAddress(e.address);
    const field = `endpoints[${i}].address`;
    if (typeof addr === "string")
      throw new RouterError("BadRequest", `${field}: ${renderValue(e.address)} ${addr}`, field);
    if (seen.has(addr.address)) {
      throw new RouterError(
        "BadRequest",
        `${field}: ${renderValue(e.address)} appears twice in one snapshot`,
        field,
      );
    }
    seen.add(addr.address);
    return {
      ...addr,
      ready: e.ready,
      labels: e.labels,
      engine: e.engine,
      models: e.models,
      metrics: e.metrics ?? defaultMetrics,
    };
  });
  const observedAt = s.observedAt
    ? Number(s.observedAt.seconds) * 1000 + s.observedAt.nanos / 1e6
    : receivedAt;
  return { pool: s.pool, source: s.source, sequence: s.sequence, observedAt, endpoints };
}
