import { describe, expect, it } from "vitest";
import { edgeConfigFromEnv, pickOptionsFrom } from "../../src/edge/edge-config.js";
import { pickRegions } from "../../src/edge/region-pick.js";
import type { ClientLocation } from "../../src/edge/region-types.js";
import { FRANKFURT, region, summary, TOKYO, VIRGINIA } from "./fixtures.js";

const options = pickOptionsFrom(edgeConfigFromEnv({}));
const fromFrankfurt: ClientLocation = { continent: "EU", colo: "FRA", latitude: 50.11, longitude: 8.68 };
const now = 10_000;
const fresh = { receivedAt: now - 100 };

const eu = (over = {}) => region("eu", { location: FRANKFURT, ...fresh, ...over });
const us = (over = {}) => region("us", { location: VIRGINIA, ...fresh, ...over });
const asia = (over = {}) => region("asia", { location: TOKYO, ...fresh, ...over });
const pick = (regions: Parameters<typeof pickRegions>[0], client = fromFrankfurt, extra = {}) =>
  pickRegions(regions, { model: "llama", client, now, ...extra }, options);
const names = (p: ReturnType<typeof pick>) => p.ordered.map((c) => c.region.region);

describe("pickRegions", () => {
  it("orders healthy regions by distance when load is equal", () => {
    expect(names(pick([asia(), us(), eu()]))).toEqual(["eu", "us", "asia"]);
    const fromTokyo = { continent: "AS", colo: "NRT" };
    expect(names(pick([asia(), us(), eu()], fromTokyo))).toEqual(["asia", "eu", "us"]);
  });

  it("counts a colo the region lists as 0 km and falls back to the continent centre", () => {
    const p = pick([eu(), us()], { continent: "", colo: "FRA" });
    expect(p.candidates[0]?.distanceKm).toBe(0);
    expect(p.locatedBy).toBe("colo");
    const byContinent = pick([eu(), us()], { continent: "NA", colo: "" });
    expect(byContinent.locatedBy).toBe("continent");
    expect(names(byContinent)).toEqual(["us", "eu"]);
  });

  it("scores unknown distances 0.5 and still picks by load", () => {
    const p = pick([eu({ models: [summary("llama", { saturation: 0.8 })] }), us()], {
      continent: "",
      colo: "",
    });
    expect(p.locatedBy).toBe("unknown");
    expect(p.candidates.every((c) => c.distanceScore === 0.5)).toBe(true);
    expect(names(p)).toEqual(["us", "eu"]);
  });

  it("trades distance against load: by default an idle far region beats a 90% busy near one", () => {
    const busy = summary("llama", { saturation: 0.9, freeCapacity: 0.2 });
    const idle = summary("llama", { saturation: 0, freeCapacity: 8 });
    const newYork: ClientLocation = { continent: "NA", colo: "", latitude: 40.7, longitude: -74 };
    const regions = [eu({ models: [idle] }), us({ models: [busy] })];
    expect(names(pick(regions, newYork))).toEqual(["eu", "us"]);
    // Weighting distance up keeps the request on its continent.
    const nearFirst = { ...options, distanceWeight: 4 };
    const p = pickRegions(regions, { model: "llama", client: newYork, now }, nearFirst);
    expect(p.ordered.map((c) => c.region.region)).toEqual(["us", "eu"]);
  });

  it("puts saturated regions after all others, keeping them as fallbacks", () => {
    const p = pick([eu({ models: [summary("llama", { saturation: 1, freeCapacity: 0 })] }), us(), asia()]);
    expect(names(p)).toEqual(["us", "asia", "eu"]);
    expect(p.ordered[2]?.saturated).toBe(true);
  });

  it("excludes stale, draining, not-serving and not-ready regions with reasons", () => {
    const p = pick([
      eu({ receivedAt: now - 6000 }),
      us({ draining: true }),
      asia({ models: [summary("other")] }),
      region("sa", { ...fresh, models: [summary("llama", { endpointsReady: 0 })] }),
    ]);
    expect(p.ordered).toEqual([]);
    expect(p.excluded).toEqual([
      { region: "eu", reason: "stale: last push 6.0 s ago" },
      { region: "us", reason: "draining" },
      { region: "asia", reason: 'does not serve model "llama"' },
      { region: "sa", reason: "no ready endpoints for the model" },
    ]);
    expect(p.error?.code).toBe("ServiceUnavailable");
  });

  it("answers NotFound when no region knows the model, and serves it from a wildcard summary", () => {
    expect(pick([eu({ models: [summary("other")] })]).error?.code).toBe("NotFound");
    expect(names(pick([eu({ models: [summary("*")] })]))).toEqual(["eu"]);
  });

  it("keeps a session on its region while it is a candidate and not saturated", () => {
    expect(names(pick([eu(), us(), asia()], fromFrankfurt, { stickyRegion: "asia" }))).toEqual([
      "asia",
      "eu",
      "us",
    ]);
    const saturatedAsia = asia({ models: [summary("llama", { saturation: 1 })] });
    const p = pick([eu(), us(), saturatedAsia], fromFrankfurt, { stickyRegion: "asia" });
    expect(p.sticky).toBeUndefined();
    expect(names(p)[0]).toBe("eu");
    expect(pick([eu(), us()], fromFrankfurt, { stickyRegion: "gone" }).sticky).toBeUndefined();
  });

  it("returns at most maxRegions in order", () => {
    const many = Array.from({ length: 10 }, (_, i) => region(`r${i}`, fresh));
    expect(pick(many).ordered).toHaveLength(options.maxRegions);
  });
});
