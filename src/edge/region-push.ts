/**
 * Turns an untrusted region push (the decoded PushRegionRequest, or any object of that shape) into a
 * validated RegionRecord. Every refusal names the field, the value and the limit, as the pool
 * snapshot parser does.
 */
import { z } from "zod";
import { routerDefaults } from "../api/router-config.js";
import { RouterError } from "../core/errors.js";
import { parseOrBadRequest, renderValue } from "../core/field-error.js";
import { messageKeys, observedAtMs, timestampSchema } from "../state/timestamp.js";
import type { RegionRecord } from "./region-types.js";

/** Most models one push may carry. */
export const MAX_MODELS_PER_REGION = 1000;

const CONTINENTS = ["", "AF", "AN", "AS", "EU", "NA", "OC", "SA"] as const;
const count = z.number().int().min(0).max(1_000_000_000, "must be at most 1000000000");
const amount = z.number().min(0, "must be >= 0").max(1e9, "must be at most 1000000000");
const fraction = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");

const modelSchema = z.strictObject({
  ...messageKeys,
  model: z.string().min(1, "must not be empty").max(253, "must be at most 253 characters"),
  endpointsReady: count,
  endpointsTotal: count,
  capacity: amount,
  freeCapacity: amount,
  queueDepth: count,
  runningRequests: count,
  kvHeadroom: fraction,
  saturation: fraction,
});

const locationSchema = z
  .strictObject({
    ...messageKeys,
    latitude: z
      .number()
      .min(-90, "must be between -90 and 90")
      .max(90, "must be between -90 and 90")
      .optional(),
    longitude: z
      .number()
      .min(-180, "must be between -180 and 180")
      .max(180, "must be between -180 and 180")
      .optional(),
    continent: z
      .string()
      .transform((c) => c.toUpperCase())
      .pipe(z.enum(CONTINENTS, { error: `must be one of ${CONTINENTS.slice(1).join(", ")} or empty` })),
    colos: z
      .array(z.string().regex(/^[A-Za-z]{3}$/, "must be a 3-letter IATA code"))
      .max(100, "must have at most 100 entries"),
  })
  .refine((l) => (l.latitude === undefined) === (l.longitude === undefined), {
    error: "set both latitude and longitude, or neither",
    path: ["latitude"],
  });

/** A region's name: 1-63 of [A-Za-z0-9._-], starting with a letter or digit. */
export const regionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'");

const pushSchema = z.strictObject({
  ...messageKeys,
  region: regionNameSchema,
  baseUrl: z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" }),
  location: locationSchema.optional(),
  sequence: z.bigint().min(1n, "must be at least 1"),
  observedAt: timestampSchema.optional(),
  draining: z.boolean().optional(),
  models: z
    .array(modelSchema)
    .max(MAX_MODELS_PER_REGION, `must have at most ${MAX_MODELS_PER_REGION} entries`),
});

/**
 * Validates a push; `receivedAt` (ms) stamps it and stands in for a missing observedAt. An observedAt
 * more than `maxClockSkewMs` ahead of `receivedAt` is refused, as the pool snapshot parser does.
 * @throws RouterError("BadRequest") naming the first bad field.
 */
export function parseRegionPush(
  input: unknown,
  receivedAt: number,
  maxClockSkewMs: number = routerDefaults.state.maxClockSkewMs,
): RegionRecord {
  const p = parseOrBadRequest(pushSchema, input, "push");
  const url = new URL(p.baseUrl);
  if (url.search !== "" || url.hash !== "") {
    throw new RouterError(
      "BadRequest",
      `baseUrl: ${renderValue(p.baseUrl)} must have no query or fragment`,
      "baseUrl",
    );
  }
  const seen = new Set<string>();
  p.models.forEach((m, i) => {
    if (seen.has(m.model)) {
      const field = `models[${i}].model`;
      throw new RouterError(
        "BadRequest",
        `${field}: ${renderValue(m.model)} appears twice in one push`,
        field,
      );
    }
    seen.add(m.model);
  });
  const observedAt = observedAtMs(p.observedAt, receivedAt, maxClockSkewMs);
  const loc = p.location;
  return {
    region: p.region,
    baseUrl: url.href.replace(/\/+$/, ""),
    location: {
      latitude: loc?.latitude,
      longitude: loc?.longitude,
      continent: loc?.continent ?? "",
      colos: (loc?.colos ?? []).map((c) => c.toUpperCase()),
    },
    draining: p.draining ?? false,
    models: p.models.map(({ $typeName: _type, $unknown: _unknown, ...m }) => m),
    sequence: p.sequence,
    observedAt,
    receivedAt,
  };
}
