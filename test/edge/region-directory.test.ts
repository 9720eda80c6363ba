import { describe, expect, it } from "vitest";
import {
  isRegionStale,
  RegionDirectory,
  regionRecordFromJson,
  regionRecordToJson,
} from "../../src/edge/region-directory.js";
import { FRANKFURT, region } from "./fixtures.js";

describe("RegionDirectory", () => {
  it("accepts strictly increasing sequences per region and refuses replays before changing anything", () => {
    const dir = new RegionDirectory();
    expect(dir.apply(region("eu", { sequence: 5n }))).toEqual({ acceptedSequence: 5n, modelCount: 1 });
    expect(() => dir.apply(region("eu", { sequence: 5n, baseUrl: "https://other" }))).toThrow(
      /sequence 5 from region "eu" is not newer than the last accepted sequence 5/,
    );
    expect(() => dir.apply(region("eu", { sequence: 4n }))).toThrow(/not newer/);
    expect(dir.get("eu")?.baseUrl).toBe("https://eu.example");
    dir.apply(region("eu", { sequence: 6n }));
    dir.apply(region("us", { sequence: 1n }));
    expect(dir.list().map((r) => [r.region, r.sequence])).toEqual([
      ["eu", 6n],
      ["us", 1n],
    ]);
  });

  it("calls a region stale once its last push is older than the limit", () => {
    const r = region("eu", { receivedAt: 1000 });
    expect(isRegionStale(r, 3000, 2000)).toBe(false);
    expect(isRegionStale(r, 3001, 2000)).toBe(true);
  });

  it("forgets regions silent for longer than the expiry", () => {
    const dir = new RegionDirectory([region("old", { receivedAt: 0 }), region("new", { receivedAt: 5000 })]);
    expect(dir.expire(6000, 3000)).toEqual(["old"]);
    expect(dir.list().map((r) => r.region)).toEqual(["new"]);
  });

  it("round-trips records through JSON with their uint64 sequence intact", () => {
    const r = region("eu", { sequence: 18_446_744_073_709_551_615n, location: FRANKFURT });
    expect(regionRecordFromJson(regionRecordToJson(r))).toEqual(r);
  });
});
