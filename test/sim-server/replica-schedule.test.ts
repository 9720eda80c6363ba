import { describe, expect, it } from "vitest";
import { parseReplicaSchedule } from "../../runtimes/sim/sim-options.js";

describe("--replica-schedule", () => {
  it("reads joins and leaves with their times, in time order", () => {
    expect(parseReplicaSchedule("-1@60s, +2@30s,+1@1500ms,+1@2m")).toEqual([
      { atMs: 1500, delta: 1 },
      { atMs: 30_000, delta: 2 },
      { atMs: 60_000, delta: -1 },
      { atMs: 120_000, delta: 1 },
    ]);
  });

  it.each(["2@30s", "+0@1s", "+1@soon", "+1", " , "])("refuses %j naming the flag", (text) => {
    expect(() => parseReplicaSchedule(text)).toThrow(/--replica-schedule: /);
  });
});
