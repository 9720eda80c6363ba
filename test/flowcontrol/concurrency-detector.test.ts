import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import {
  type ConcurrencyDetectorParams,
  concurrencyDetectorSchema,
  createConcurrencyDetector,
} from "../../src/flowcontrol/concurrency-detector.js";
import { createPoolSaturation } from "../../src/flowcontrol/pool-saturation.js";
import { flowControlFor } from "../../src/routing/flow-admission.js";
import { schedulerConfigFor } from "../../src/routing/scheduler-config-ref.js";
import { defaultSaturationThresholds } from "../../src/scheduling/saturation/utilization-detector.js";
import { PoolStore } from "../../src/state/pool-store.js";
import type { Endpoint } from "../../src/state/types.js";
import { errorsOf, resourcesOf } from "../api/parse-helpers.js";
import { endpoint, snapshot } from "../state/fixtures.js";

/** Endpoints as the detector reads them: only the router's in-flight counts. */
const inFlight = (...counts: [requests: number, tokens: number][]) =>
  counts.map(([requests, tokens]) => ({ inFlight: { requests, tokens } }) as unknown as Endpoint);
const params = (p: Partial<ConcurrencyDetectorParams>) => concurrencyDetectorSchema.parse(p);
const never = () => false;

describe("concurrency-detector", () => {
  it("has upstream's defaults: requests mode, 100 requests, 1,000,000 tokens, headroom 0", () => {
    expect(params({})).toEqual({
      concurrencyMode: "requests",
      maxConcurrency: 100,
      maxTokenConcurrency: 1_000_000,
      headroom: 0,
    });
  });

  it("requests: aggregate in-flight requests over aggregate capacity", () => {
    const d = createConcurrencyDetector(params({ maxConcurrency: 10 }));
    expect(d.utilization(inFlight([5, 0], [10, 0]), never)).toBeCloseTo(0.75);
    expect(d.utilization(inFlight([20, 0], [0, 0]), never)).toBeCloseTo(1); // one full pod, one idle: 20/20
    expect(d.utilization([], never)).toBe(1);
  });

  it("tokens: aggregate in-flight tokens over aggregate token capacity", () => {
    const d = createConcurrencyDetector(params({ concurrencyMode: "tokens", maxTokenConcurrency: 1000 }));
    expect(d.utilization(inFlight([99, 500], [1, 1000]), never)).toBeCloseTo(0.75);
  });

  it("hybrid: the mean over endpoints of max(request ratio, token ratio)", () => {
    const d = createConcurrencyDetector(
      params({ concurrencyMode: "hybrid", maxConcurrency: 10, maxTokenConcurrency: 1000 }),
    );
    // Pod 1: max(0.2, 0.9) = 0.9; pod 2: max(0.5, 0.1) = 0.5; mean 0.7.
    expect(d.utilization(inFlight([2, 900], [5, 100]), never)).toBeCloseTo(0.7);
  });

  it("headroom raises both capacities by that fraction", () => {
    const d = createConcurrencyDetector(params({ maxConcurrency: 10, headroom: 0.25 }));
    expect(d.utilization(inFlight([10, 0]), never)).toBeCloseTo(0.8);
  });

  it("flow control gates on it when the config names it: the router's own in-flight, no push needed", () => {
    const clock = createManualClock(1000);
    const store = new PoolStore({ clock, staleAfterMs: 60_000 });
    store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
    const spec = { type: "concurrency-detector" as const, ...params({ maxConcurrency: 2 }) };
    const pools = createPoolSaturation(
      store,
      () => defaultSaturationThresholds,
      undefined,
      () => spec,
    );
    // The push says the pod is badly queued: the concurrency detector does not read it.
    store.push(snapshot(1, [endpoint("10.0.0.1:8000", { waitingRequests: 50 })], { observedAt: 1000 }));
    expect(pools.saturation("pool-a")).toBe(0);
    store.acquire("pool-a", "10.0.0.1:8000", 10);
    expect(pools.saturation("pool-a")).toBeCloseTo(0.5);
  });

  it("is named by flowControl.saturationDetector.pluginRef, kept out of the scheduler, and its parameters checked", () => {
    const r = resourcesOf(`apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates: [flowControl]
plugins:
  - type: queue-scorer
  - { type: concurrency-detector, name: cd, parameters: { concurrencyMode: hybrid, maxConcurrency: 64 } }
schedulingProfiles: [{ name: default, plugins: [{ pluginRef: queue-scorer }] }]
flowControl: { saturationDetector: { pluginRef: cd } }
`);
    expect(flowControlFor(r)?.detector).toEqual({
      type: "concurrency-detector",
      concurrencyMode: "hybrid",
      maxConcurrency: 64,
      maxTokenConcurrency: 1_000_000,
      headroom: 0,
    });
    expect(schedulerConfigFor(r)?.plugins.map((p) => p.type)).toEqual(["queue-scorer"]);
    const header = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
schedulingProfiles: [{ name: default, plugins: [{ pluginRef: queue-scorer }] }]
`;
    expect(
      errorsOf(`${header}plugins: [{ type: queue-scorer }, { type: concurrency-detector, parameters: { maxConcurrency: -1 } }]
flowControl: { saturationDetector: { pluginRef: concurrency-detector } }
`),
    ).toEqual([
      'test.yaml#0 flowControl.saturationDetector.pluginRef: "concurrency-detector" — concurrency-detector parameters: maxConcurrency Too small: expected number to be >0',
    ]);
    expect(
      errorsOf(
        `${header}plugins: [{ type: queue-scorer }]\nflowControl: { saturationDetector: { pluginRef: nope } }\n`,
      ),
    ).toEqual([
      'test.yaml#0 flowControl.saturationDetector.pluginRef: "nope" — must name a built-in saturation detector (utilization-detector, concurrency-detector) or a plugin of type concurrency-detector declared in plugins',
    ]);
  });
});
