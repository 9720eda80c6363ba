/**
 * A region's location written as one line, for flags and environment variables:
 * "latitude=50.11,longitude=8.68,continent=EU,colos=FRA|AMS" (every key optional).
 */
import { RouterError } from "../core/errors.js";
import type { RegionLocation } from "./region-types.js";

/**
 * Parses the one-line form. The push parser validates ranges and codes.
 * @throws RouterError("BadRequest") naming the key.
 */
export function parseRegionLocationText(text: string): RegionLocation {
  const loc: RegionLocation = { continent: "", colos: [] };
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = part.slice(0, eq < 0 ? part.length : eq).trim();
    const value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (key === "latitude" || key === "longitude") {
      const n = Number(value);
      if (value === "" || !Number.isFinite(n)) {
        throw new RouterError(
          "BadRequest",
          `location ${key}: ${JSON.stringify(value)} must be a number`,
          key,
        );
      }
      loc[key] = n;
    } else if (key === "continent") {
      loc.continent = value.toUpperCase();
    } else if (key === "colos") {
      loc.colos = value
        .split("|")
        .map((c) => c.trim().toUpperCase())
        .filter((c) => c !== "");
    } else {
      throw new RouterError(
        "BadRequest",
        `location: unknown key ${JSON.stringify(key)} (latitude, longitude, continent, colos)`,
        key,
      );
    }
  }
  return loc;
}
