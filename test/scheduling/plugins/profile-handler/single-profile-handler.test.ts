import { describe, expect, it } from "vitest";
import { SchedulerProfile } from "../../../../src/scheduling/framework/scheduler-profile.js";
import { MaxScorePicker } from "../../../../src/scheduling/plugins/picker/max-score-picker.js";
import { SingleProfileHandler } from "../../../../src/scheduling/plugins/profile-handler/single-profile-handler.js";
import { ctx, request } from "../../helpers.js";

describe("single-profile-handler", () => {
  it("runs the one profile once and answers with its result", () => {
    const h = new SingleProfileHandler();
    const profile = new SchedulerProfile("default", [], [], new MaxScorePicker(), []);
    const results = new Map();
    expect(h.pickProfiles(ctx(), request(), [profile], results)).toEqual([profile]);
    results.set("default", { endpoints: [], scores: [] });
    expect(h.pickProfiles(ctx(), request(), [profile], results)).toEqual([]);
    expect(h.processResults(ctx(), request(), results)).toBe("default");
  });

  it("has no answer when the profile failed", () => {
    expect(
      new SingleProfileHandler().processResults(ctx(), request(), new Map([["default", null]])),
    ).toBeUndefined();
  });
});
