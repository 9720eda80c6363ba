import { describe, expect, it } from "vitest";
import { clientLocationFromCf } from "../../src/edge/client-location.js";
import { edgeConfigFromEnv } from "../../src/edge/edge-config.js";
import { coloLocation, haversineKm } from "../../src/edge/geo.js";
import { parseRegionLocationText } from "../../src/edge/region-location-text.js";

describe("geography", () => {
  it("measures great-circle distances (Frankfurt - Ashburn about 6,500 km)", () => {
    const km = haversineKm(coloLocation("FRA")!, coloLocation("iad")!);
    expect(km).toBeGreaterThan(6400);
    expect(km).toBeLessThan(6600);
    expect(coloLocation("XXX")).toBeUndefined();
  });

  it("reads request.cf: string coordinates, upper-case codes, junk ignored", () => {
    expect(
      clientLocationFromCf({ latitude: "50.11", longitude: "8.68", continent: "eu", colo: "fra" }),
    ).toEqual({
      latitude: 50.11,
      longitude: 8.68,
      continent: "EU",
      colo: "FRA",
    });
    expect(clientLocationFromCf({ latitude: "north", longitude: "8" })).toEqual({ continent: "", colo: "" });
    expect(clientLocationFromCf(undefined)).toEqual({ continent: "", colo: "" });
  });

  it("parses the one-line region location and names a bad key", () => {
    expect(parseRegionLocationText("latitude=50.1,longitude=8.7,continent=eu,colos=FRA|ams")).toEqual({
      latitude: 50.1,
      longitude: 8.7,
      continent: "EU",
      colos: ["FRA", "AMS"],
    });
    expect(() => parseRegionLocationText("lat=1")).toThrow(/unknown key "lat"/);
    expect(() => parseRegionLocationText("latitude=x")).toThrow(/latitude: "x" must be a number/);
  });

  it("reads the edge config from string vars with defaults, naming a bad variable", () => {
    const c = edgeConfigFromEnv({ DIRECTORY_TTL_MS: "250", REGIONS: {} });
    expect(c.DIRECTORY_TTL_MS).toBe(250);
    expect(c.REGION_STALE_MS).toBe(5000);
    expect(() => edgeConfigFromEnv({ SATURATION_LIMIT: "2" })).toThrow(
      /SATURATION_LIMIT: "2" must be at most 1/,
    );
  });
});
