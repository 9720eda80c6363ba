/**
 * Estimated network distance from a client to a region, in km, from whatever both sides give:
 * 0 when the request entered at a colo the region lists; otherwise great-circle distance between the
 * best-known points (client lat/long, else its colo's coordinates, else its continent's centre; the
 * region's lat/long, else its continent's centre). Unknown on either side = undefined.
 */
import { coloLocation, continentCentres, haversineKm, type LatLong } from "./geo.js";
import type { ClientLocation, RegionLocation } from "./region-types.js";

/** How a client's position was found (Explain reports it). */
export type LocatedBy = "latlong" | "colo" | "continent" | "unknown";

/** The best point for a client, with how it was found. */
export function clientPoint(client: ClientLocation): { point: LatLong | undefined; by: LocatedBy } {
  if (client.latitude !== undefined && client.longitude !== undefined) {
    return { point: { latitude: client.latitude, longitude: client.longitude }, by: "latlong" };
  }
  const colo = client.colo === "" ? undefined : coloLocation(client.colo);
  if (colo) return { point: colo, by: "colo" };
  const centre = continentCentres[client.continent];
  return centre ? { point: centre, by: "continent" } : { point: undefined, by: "unknown" };
}

/** The best point for a region, or undefined. */
export function regionPoint(region: RegionLocation): LatLong | undefined {
  if (region.latitude !== undefined && region.longitude !== undefined) {
    return { latitude: region.latitude, longitude: region.longitude };
  }
  return continentCentres[region.continent];
}

/**
 * Distance in km, or undefined when either side's position is unknown.
 * `clientAt` is the client's precomputed point (see {@link clientPoint}) so a pick computes it once.
 */
export function estimateDistanceKm(
  client: ClientLocation,
  clientAt: LatLong | undefined,
  region: RegionLocation,
): number | undefined {
  if (client.colo !== "" && region.colos.includes(client.colo)) return 0;
  const r = regionPoint(region);
  if (!clientAt || !r) return undefined;
  return haversineKm(clientAt, r);
}
