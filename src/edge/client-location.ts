/**
 * The client's location from Cloudflare's `request.cf` (latitude/longitude as strings, continent,
 * colo). Takes `unknown`: outside Workers there is no cf object, and a missing field means unknown.
 */
import type { ClientLocation } from "./region-types.js";

function coordinate(v: unknown, limit: number): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : undefined;
}

function code(v: unknown): string {
  return typeof v === "string" ? v.trim().toUpperCase() : "";
}

/**
 * Reads the fields the region pick uses from a request.cf-shaped object.
 *
 * @example
 * clientLocationFromCf(request.cf); // { continent: "EU", colo: "FRA", latitude: 50.11, longitude: 8.68 }
 */
export function clientLocationFromCf(cf: unknown): ClientLocation {
  if (cf === null || typeof cf !== "object") return { continent: "", colo: "" };
  const o = cf as Record<string, unknown>;
  const latitude = coordinate(o.latitude, 90);
  const longitude = coordinate(o.longitude, 180);
  const both = latitude !== undefined && longitude !== undefined;
  return {
    ...(both ? { latitude, longitude } : {}),
    continent: code(o.continent),
    colo: code(o.colo),
  };
}
