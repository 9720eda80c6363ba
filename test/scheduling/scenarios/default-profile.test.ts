import { describe, expect, it } from "vitest";
import { address, POOL, request } from "../helpers.js";
import { scenario } from "./scenario-helpers.js";

describe("default profile (queue 2, kv-cache 2, prefix 3)", () => {
  it("picks the endpoint with the shortest queue and the most free KV cache", () => {
    const s = scenario([
      { waitingRequests: 3, kvCacheUsage: 0.2 },
      { waitingRequests: 0, kvCacheUsage: 0.1 },
      { waitingRequests: 10, kvCacheUsage: 0.2 },
    ]);
    const r = s.scheduler.schedule(POOL, request(), { dryRun: true });
    expect(r.endpoints.map((e) => e.address)).toEqual([address(1)]);
    expect(r.profile).toBe("default");
  });

  it("returns ordered fallbacks when the picker is asked for three", () => {
    const s = scenario(
      [
        { waitingRequests: 3, kvCacheUsage: 0.2 },
        { waitingRequests: 0, kvCacheUsage: 0.1 },
        { waitingRequests: 10, kvCacheUsage: 0.2 },
      ],
      {
        config: {
          plugins: [
            { type: "queue-scorer" },
            { type: "kv-cache-utilization-scorer" },
            { type: "max-score-picker", parameters: { maxNumOfEndpoints: 3 } },
          ],
          schedulingProfiles: [
            {
              name: "default",
              plugins: [
                { pluginRef: "queue-scorer", weight: 2 },
                { pluginRef: "kv-cache-utilization-scorer", weight: 2 },
                { pluginRef: "max-score-picker" },
              ],
            },
          ],
        },
      },
    );
    const r = s.scheduler.schedule(POOL, request(), { dryRun: true });
    expect(r.endpoints.map((e) => e.address)).toEqual([address(1), address(0), address(2)]);
  });
});
