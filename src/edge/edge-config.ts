/**
 * The edge's settings, from Workers vars (strings) or a plain object: one schema, documented
 * defaults, and errors that name the variable. Weights and limits of the region pick live here too.
 */
import { z } from "zod";
import { DEFAULT_MAX_BODY_BYTES } from "../api/router-config.js";
import { parseOrBadRequest } from "../core/field-error.js";
import { DEFAULT_REGION_STALE_MS } from "./region-directory.js";

const num = (def: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: "must be a number" })
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(def);

const schema = z.object({
  /** How long an isolate reuses the region directory before asking the Durable Object again (ms). Default 1000. */
  DIRECTORY_TTL_MS: num(1000, 0, 60_000),
  /** A region whose last push is older than this is not picked (ms). Default 5000. */
  REGION_STALE_MS: num(DEFAULT_REGION_STALE_MS, 1),
  /** A region not heard of for this long is forgotten (ms). Default 3600000 (1 h). */
  REGION_EXPIRE_MS: num(3_600_000, 1),
  /** Weight of closeness in the region score. Default 1. */
  PICK_DISTANCE_WEIGHT: num(1, 0, 1000),
  /** Weight of (1 - saturation). Default 1. */
  PICK_SATURATION_WEIGHT: num(1, 0, 1000),
  /** Weight of free capacity. Default 0.5. */
  PICK_CAPACITY_WEIGHT: num(0.5, 0, 1000),
  /** Distance (km) at which the distance score is 0.5: score = 1 / (1 + km / scale). Default 2000. */
  DISTANCE_SCALE_KM: num(2000, 1),
  /** Free capacity at which the capacity score is 0.5: score = free / (free + half). Default 4. */
  CAPACITY_HALF: num(4, 0.001),
  /** Saturation at or above which a region is tried only after all others. Default 0.95. */
  SATURATION_LIMIT: num(0.95, 0, 1),
  /** Regions tried per request, first pick included (1..10). Default 3. */
  MAX_ATTEMPTS: num(3, 1, 10),
  /** Time to the response headers from one region before trying the next (ms). Default 30000. */
  FIRST_BYTE_TIMEOUT_MS: num(30_000, 1),
  /** Request header carrying a session id (lower case). Default "x-session-id". */
  SESSION_HEADER: z.string().min(1).default("x-session-id"),
  /**
   * Sessions remembered for stickiness: by the Durable Object for every isolate, and by each isolate's
   * cache of it (0 turns stickiness off). Default 10000.
   */
  SESSION_CAPACITY: num(10_000, 0, 1_000_000),
  /**
   * A session not served for this long forgets its region (ms; the Durable Object's TTL). Default 600000
   * (10 min: about as long as a region's prefix cache keeps an idle conversation).
   */
  SESSION_TTL_MS: num(600_000, 1_000, 86_400_000),
  /** How long an isolate reuses a session's region before asking the Durable Object again (ms). Default 1000. */
  SESSION_CACHE_MS: num(1000, 0, 60_000),
  /** Largest request body the edge buffers (bytes). Default 32 MiB, as the router's. */
  MAX_BODY_BYTES: num(DEFAULT_MAX_BODY_BYTES, 1),
});

/** The edge's settings with defaults filled (names as the Workers vars). */
export type EdgeConfig = z.output<typeof schema>;

/** Scoring part of the config, as the pick reads it. */
export interface RegionPickOptions {
  distanceWeight: number;
  saturationWeight: number;
  capacityWeight: number;
  distanceScaleKm: number;
  capacityHalf: number;
  saturationLimit: number;
  staleAfterMs: number;
  /** Length of the ordered list (primary + fallbacks). */
  maxRegions: number;
}

/**
 * Reads the settings from Workers vars (or any record); unknown keys (bindings, secrets) are ignored.
 * @throws RouterError("BadRequest") naming the variable.
 */
export function edgeConfigFromEnv(env: Record<string, unknown>): EdgeConfig {
  return parseOrBadRequest(schema, env, "edge settings");
}

/** The pick options from a config. */
export function pickOptionsFrom(c: EdgeConfig): RegionPickOptions {
  return {
    distanceWeight: c.PICK_DISTANCE_WEIGHT,
    saturationWeight: c.PICK_SATURATION_WEIGHT,
    capacityWeight: c.PICK_CAPACITY_WEIGHT,
    distanceScaleKm: c.DISTANCE_SCALE_KM,
    capacityHalf: c.CAPACITY_HALF,
    saturationLimit: c.SATURATION_LIMIT,
    staleAfterMs: c.REGION_STALE_MS,
    maxRegions: c.MAX_ATTEMPTS,
  };
}
