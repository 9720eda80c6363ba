import { describe, expect, it } from "vitest";
import { address, POOL, request } from "../helpers.js";
import { scenario } from "./scenario-helpers.js";

describe("LoRA affinity", () => {
  it("sends a request for an adapter to the only endpoint where it is active", () => {
    const s = scenario(
      [
        { waitingRequests: 10, kvCacheUsage: 0.2, activeAdapters: ["sql-lora"], maxAdapters: 1 },
        { waitingRequests: 10, kvCacheUsage: 0.4, activeAdapters: ["other"], maxAdapters: 1 },
        { waitingRequests: 10, kvCacheUsage: 0.3, activeAdapters: ["other"], maxAdapters: 1 },
      ],
      {
        config: {
          plugins: [
            { type: "queue-scorer" },
            { type: "kv-cache-utilization-scorer" },
            { type: "lora-affinity-scorer" },
          ],
          schedulingProfiles: [
            {
              name: "lora",
              plugins: [
                { pluginRef: "queue-scorer" },
                { pluginRef: "kv-cache-utilization-scorer" },
                { pluginRef: "lora-affinity-scorer" },
              ],
            },
          ],
        },
      },
    );
    const r = s.scheduler.schedule(POOL, request({ targetModel: "sql-lora" }), { dryRun: true });
    expect(r.endpoints[0]!.address).toBe(address(0));
  });

  it("picks the same endpoint with the legacy decision tree", () => {
    const s = scenario(
      [
        { waitingRequests: 10, kvCacheUsage: 0.2, activeAdapters: ["sql-lora"], maxAdapters: 1 },
        { waitingRequests: 10, kvCacheUsage: 0.4, activeAdapters: ["other"], maxAdapters: 1 },
        { waitingRequests: 10, kvCacheUsage: 0.3, activeAdapters: ["other"], maxAdapters: 1 },
      ],
      {
        config: {
          plugins: [{ type: "decision-tree-filter" }, { type: "random-picker" }],
          schedulingProfiles: [
            {
              name: "legacy",
              plugins: [{ pluginRef: "decision-tree-filter" }, { pluginRef: "random-picker" }],
            },
          ],
        },
      },
    );
    for (let i = 0; i < 20; i++) {
      expect(
        s.scheduler.schedule(POOL, request({ targetModel: "sql-lora" }), { dryRun: true }).endpoints[0]!
          .address,
      ).toBe(address(0));
    }
  });
});
