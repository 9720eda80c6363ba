import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { createSeededRandom } from "../../src/core/random.js";
import type { SchedulerMetrics } from "../../src/scheduling/metrics.js";
import { address, hashes, POOL, request } from "./helpers.js";
import { scenario } from "./scenarios/scenario-helpers.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof RouterError ? e.code : "not a RouterError";
  }
  return undefined;
}

describe("scheduler", () => {
  it("takes the lease on the primary unless it is a dry run", () => {
    const s = scenario([{}]);
    expect(s.scheduler.schedule(POOL, request(), { dryRun: true }).lease).toBeUndefined();
    expect(s.endpoints()[0]!.inFlight.requests).toBe(0);
    const r = s.scheduler.schedule(POOL, request());
    expect(r.lease?.address).toBe(address(0));
    expect(s.endpoints()[0]!.inFlight.requests).toBe(1);
  });

  it("answers NotFound for an unknown pool", () => {
    const s = scenario([{}]);
    expect(codeOf(() => s.scheduler.schedule("nope", request()))).toBe("NotFound");
  });

  it("leaves out endpoints that are not ready or do not serve the model", () => {
    const s = scenario([
      { ready: false },
      { models: ["other"] },
      { models: ["base"] },
      { models: ["x"], activeAdapters: ["base"] },
    ]);
    const e = s.scheduler.explain(POOL, request({ targetModel: "base" }));
    expect(e.excluded).toEqual([
      { address: address(0), reason: "not-ready" },
      { address: address(1), reason: "model" },
    ]);
    expect(e.profiles[0]!.candidates.map((c) => c.address)).toEqual([address(2), address(3)]);
  });

  it("answers ServiceUnavailable when no endpoint serves the model", () => {
    const s = scenario([{ models: ["other"] }]);
    expect(codeOf(() => s.scheduler.schedule(POOL, request()))).toBe("ServiceUnavailable");
  });

  it("keeps only endpoints whose IP is in the subset hint", () => {
    const s = scenario([{}, {}, {}]);
    for (let i = 0; i < 10; i++) {
      const r = s.scheduler.schedule(POOL, request({ subset: ["10.0.0.2:9999", "10.0.0.3:8000"] }), {
        dryRun: true,
      });
      expect([address(1), address(2)]).toContain(r.endpoints[0]!.address);
    }
  });

  it("answers ServiceUnavailable for a subset hint that is empty or matches nothing", () => {
    const s = scenario([{}]);
    expect(codeOf(() => s.scheduler.schedule(POOL, request({ subset: [] })))).toBe("ServiceUnavailable");
    expect(codeOf(() => s.scheduler.schedule(POOL, request({ subset: ["10.9.9.9:8000"] })))).toBe(
      "ServiceUnavailable",
    );
  });

  it("names the filter that left no endpoint", () => {
    const s = scenario([{ waitingRequests: 10 }], {
      config: {
        plugins: [{ type: "low-queue-filter", name: "short-queues", parameters: { threshold: 2 } }],
        schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "short-queues" }] }],
      },
    });
    expect(() => s.scheduler.schedule(POOL, request())).toThrow(
      /profile "p": "short-queues" left no endpoint/,
    );
  });

  it("drops a sheddable request when the legacy tree finds no endpoint with room", () => {
    const s = scenario([{ waitingRequests: 6 }, { kvCacheUsage: 0.9 }], {
      config: {
        plugins: [{ type: "decision-tree-filter" }],
        schedulingProfiles: [{ name: "legacy", plugins: [{ pluginRef: "decision-tree-filter" }] }],
        saturationDetector: { queueDepthThreshold: 1000, kvCacheUtilThreshold: 1 },
      },
    });
    expect(() => s.scheduler.schedule(POOL, request({ priority: -1 }))).toThrow(
      /no endpoint has room for a sheddable request/,
    );
    expect(codeOf(() => s.scheduler.schedule(POOL, request({ priority: -1 })))).toBe("ResourceExhausted");
    expect(s.scheduler.schedule(POOL, request({ priority: 0 })).endpoints).toHaveLength(1);
  });

  it("explains every candidate with raw, weighted and total scores, and the pick, without side effects", () => {
    const s = scenario([
      { waitingRequests: 3, kvCacheUsage: 0.2 },
      { waitingRequests: 0, kvCacheUsage: 0.1 },
      { waitingRequests: 10, kvCacheUsage: 0.2 },
    ]);
    const e = s.scheduler.explain(POOL, request({ prefixHashes: hashes(3, 4) }), {
      random: createSeededRandom(5),
    });
    expect(e.picked).toEqual([address(1)]);
    expect(e.profile).toBe("default");
    expect(e.saturated).toBe(false);
    const second = e.profiles[0]!.candidates[1]!;
    expect(second.scores).toEqual([
      { plugin: "queue-scorer", type: "queue-scorer", raw: 1, weight: 2, weighted: 2 },
      {
        plugin: "kv-cache-utilization-scorer",
        type: "kv-cache-utilization-scorer",
        raw: 0.9,
        weight: 2,
        weighted: 1.8,
      },
      { plugin: "prefix-cache-scorer", type: "prefix-cache-scorer", raw: 0, weight: 3, weighted: 0 },
    ]);
    expect(second.total).toBeCloseTo(3.8);
    expect(s.endpoints().every((ep) => ep.inFlight.requests === 0)).toBe(true);
    expect(s.index.size().entries).toBe(0);
  });

  it("reports the filters that removed endpoints and scheduling errors in the explanation", () => {
    const s = scenario([{ waitingRequests: 0 }, { waitingRequests: 9 }], {
      config: {
        plugins: [{ type: "low-queue-filter", parameters: { threshold: 5 } }, { type: "queue-scorer" }],
        schedulingProfiles: [
          { name: "p", plugins: [{ pluginRef: "low-queue-filter" }, { pluginRef: "queue-scorer" }] },
        ],
      },
    });
    const e = s.scheduler.explain(POOL, request());
    expect(e.profiles[0]!.filtered).toEqual({ "low-queue-filter": [address(1)] });
    const shed = scenario([{ waitingRequests: 9 }]).scheduler.explain(POOL, request({ priority: -1 }));
    expect(shed.error).toEqual({
      code: "ResourceExhausted",
      message: "system saturated, sheddable request dropped",
    });
    expect(shed.saturation).toBe(1);
  });

  it("reports attempts, durations and prefix hits through the metrics hooks", () => {
    const seen: string[] = [];
    const metrics: SchedulerMetrics = {
      observeSchedulerDuration: (s) => seen.push(`e2e ${s >= 0}`),
      countSchedulerAttempt: (status) => seen.push(`attempt ${status}`),
      countStaleEndpointPick: (pool) => seen.push(`stale ${pool}`),
      observePluginDuration: (point, type) => seen.push(`plugin ${point} ${type}`),
      setPrefixIndexSize: (entries) => seen.push(`size ${entries}`),
      observePrefixHitRatio: (r) => seen.push(`hit ${r}`),
    };
    let t = 0;
    const s = scenario([{}], { metrics, now: () => (t += 0.01), pluginSampleEvery: 1 });
    s.scheduler.schedule(POOL, request({ prefixHashes: hashes(1, 2) }));
    s.scheduler.schedule(POOL, request({ prefixHashes: hashes(1, 2) }));
    expect(() => s.scheduler.schedule(POOL, request({ subset: [] }))).toThrow();
    expect(seen.filter((x) => x.startsWith("attempt"))).toEqual([
      "attempt success",
      "attempt success",
      "attempt failure",
    ]);
    expect(seen.filter((x) => x.startsWith("hit"))).toEqual(["hit 0", "hit 1"]);
    expect(seen).toContain("plugin Scorer prefix-cache-scorer");
    expect(seen).toContain("plugin Picker max-score-picker");
    expect(seen).toContain("size 2");
    expect(seen.filter((x) => x === "e2e true")).toHaveLength(3);
  });

  it("purges the prefix index of endpoints that left the pool", () => {
    const s = scenario([{}, {}]);
    s.index.record(address(0), [1]);
    s.index.record(address(1), [1]);
    s.clock.advance(1);
    s.push([{}]);
    expect([...s.index.held.keys()]).toEqual([address(0)]);
  });
});
