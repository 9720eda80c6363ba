import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { summarizePools } from "../../src/edge/pool-summary.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "../state/fixtures.js";

describe("summarizePools", () => {
  it("sums ready fresh endpoints per model with utilization as the saturation detector has it", () => {
    const clock = createManualClock(0);
    const store = new PoolStore({ clock, staleAfterMs: 2000 });
    store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
    const idle = { ...endpoint("10.0.0.1:8000"), models: ["llama"] };
    const busy = {
      ...endpoint("10.0.0.2:8000", { waitingRequests: 10, runningRequests: 8, kvCacheUsage: 0.4 }),
      models: ["llama"],
    };
    const any = endpoint("10.0.0.3:8000", { kvCacheUsage: 0.4 });
    const down = { ...endpoint("10.0.0.4:8000"), ready: false, models: ["llama"] };
    store.push(snapshot(1, [idle, busy, any, down]));
    const [star, extra, llama] = summarizePools(store, { extraModels: ["chat-alias", "llama"] });
    expect(llama).toEqual({
      model: "llama",
      endpointsReady: 2,
      endpointsTotal: 3,
      capacity: 2,
      freeCapacity: 1,
      queueDepth: 10,
      runningRequests: 8,
      kvHeadroom: 0.8,
      saturation: 1 / 3,
    });
    expect(star).toMatchObject({ model: "*", endpointsReady: 1, freeCapacity: 0.5, saturation: 0.5 });
    expect(extra).toMatchObject({ model: "chat-alias", endpointsReady: 3, endpointsTotal: 4 });
    clock.advance(2001);
    expect(summarizePools(store).find((m) => m.model === "llama")).toMatchObject({
      endpointsReady: 0,
      saturation: 1,
    });
  });
});
