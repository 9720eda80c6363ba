import { describe, expect, it } from "vitest";
import { LoraAffinityFilter } from "../../../../src/scheduling/plugins/filter/lora-affinity-filter.js";
import { ctx, endpoints, request } from "../../helpers.js";

describe("lora-affinity-filter", () => {
  const eps = endpoints([
    { activeAdapters: ["sql"], maxAdapters: 2 },
    { waitingAdapters: ["sql"], maxAdapters: 2 },
    { activeAdapters: ["x"], maxAdapters: 4 },
    { activeAdapters: ["x", "y"], maxAdapters: 2 },
  ]);
  const req = request({ targetModel: "sql" });

  it("keeps the endpoints with the adapter active or waiting when the threshold says so", () => {
    expect(new LoraAffinityFilter("f", 1).filter(ctx(), req, eps)).toEqual([eps[0], eps[1]]);
  });

  it("keeps the endpoints with room to load it the rest of the time", () => {
    expect(new LoraAffinityFilter("f", 0).filter(ctx(), req, eps)).toEqual([eps[2]]);
  });

  it("falls back to whichever group is non-empty", () => {
    expect(new LoraAffinityFilter("f", 1).filter(ctx(), req, [eps[2]!, eps[3]!])).toEqual([eps[2]]);
    expect(new LoraAffinityFilter("f", 1).filter(ctx(), req, [eps[3]!])).toEqual([]);
  });
});
