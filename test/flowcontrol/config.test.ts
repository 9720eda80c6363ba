import { describe, expect, it } from "vitest";
import {
  flowControlConfigFrom,
  parseDuration,
  parseFeatureGates,
  parseQuantity,
} from "../../src/flowcontrol/config.js";
import { flowControlFor, flowControlIgnored } from "../../src/routing/flow-admission.js";
import { schedulerConfigFor } from "../../src/routing/scheduler-config-ref.js";
import { errorsOf, resourcesOf } from "../api/parse-helpers.js";

const header = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins: [{ type: queue-scorer }]
schedulingProfiles: [{ name: default, plugins: [{ pluginRef: queue-scorer }] }]
`;

describe("flowControl config", () => {
  it("fills upstream's defaults: 60s TTL, 1G and 5000 per band, global-strict and fcfs", () => {
    const c = flowControlConfigFrom(undefined);
    expect(c).toMatchObject({
      maxBytes: 0,
      maxRequests: 0,
      defaultRequestTTLMs: 60_000,
      noEndpointRequestTTLMs: 60_000,
      defaultBand: {
        maxBytes: 1_000_000_000,
        maxRequests: 5000,
        fairness: "global-strict-fairness-policy",
        ordering: "fcfs-ordering-policy",
      },
    });
  });

  it("reads an upstream config with the gate on; negative bands fall back to the default band", () => {
    const r = resourcesOf(`${header}featureGates: ["flowControl=true"]
flowControl:
  maxRequests: "100"
  maxBytes: 1Gi
  defaultRequestTTL: 1m30s
  noEndpointRequestTTL: 500ms
  defaultPriorityBand: { fairnessPolicyRef: round-robin-fairness-policy }
  priorityBands:
    - { priority: 2, maxRequests: 10, orderingPolicyRef: slo-deadline-ordering-policy }
    - { priority: -1, fairnessPolicyRef: program-aware-fairness }
  saturationDetector: { pluginRef: utilization-detector }
  usageLimitPolicyPluginRef: static-usage-limit-policy
  enableEviction: false
`);
    const c = flowControlFor(r);
    expect(c?.maxRequests).toBe(100);
    expect(c?.maxBytes).toBe(2 ** 30);
    expect(c?.defaultRequestTTLMs).toBe(90_000);
    expect(c?.noEndpointRequestTTLMs).toBe(500);
    expect(c?.bands.get(2)).toEqual({
      maxBytes: 1_000_000_000,
      maxRequests: 10,
      fairness: "round-robin-fairness-policy",
      ordering: "slo-deadline-ordering-policy",
    });
    expect(c?.bands.get(-1)?.fairness).toBe("program-aware-fairness");
    expect(c?.defaultNegativeBand.fairness).toBe("round-robin-fairness-policy");
  });

  it("is off without the gate, or with flowControl=false", () => {
    expect(flowControlFor(resourcesOf(`${header}flowControl: { maxRequests: 5 }\n`))).toBeUndefined();
    expect(flowControlFor(resourcesOf(`${header}featureGates: [flowControl=false]\n`))).toBeUndefined();
    expect(flowControlFor(resourcesOf(`${header}featureGates: [flowControl]\n`))).toBeDefined();
    expect(flowControlIgnored(resourcesOf(`${header}flowControl: { maxRequests: 5 }\n`))).toMatch(
      /flowControl is set but featureGates does not list "flowControl": the section is ignored/,
    );
    expect(
      flowControlIgnored(resourcesOf(`${header}featureGates: [flowControl]\nflowControl: {}\n`)),
    ).toBeUndefined();
  });

  it("refuses unknown policies, negative capacities, a TTL that does not parse and a band listed twice", () => {
    const errors = errorsOf(`${header}featureGates: [flowControl, "x=maybe"]
flowControl:
  maxRequests: -1
  defaultRequestTTL: soon
  defaultPriorityBand: { fairnessPolicyRef: fair-share, orderingPolicyRef: lifo }
  priorityBands:
    - { priority: 1, maxBytes: "-5" }
`);
    expect(errors).toEqual([
      'test.yaml#0 featureGates[1]: "x=maybe" — must be name, name=true or name=false',
      "test.yaml#0 flowControl.maxRequests: -1 — must not be negative",
      'test.yaml#0 flowControl.defaultRequestTTL: "soon" — must be a duration such as "60s", "1m30s" or "500ms" ("0s" = no limit)',
      'test.yaml#0 flowControl.defaultPriorityBand.fairnessPolicyRef: "fair-share" — must name a built-in fairness policy (global-strict-fairness-policy, round-robin-fairness-policy, program-aware-fairness)',
      'test.yaml#0 flowControl.defaultPriorityBand.orderingPolicyRef: "lifo" — must name a built-in ordering policy (fcfs-ordering-policy, edf-ordering-policy, slo-deadline-ordering-policy)',
      'test.yaml#0 flowControl.priorityBands[0].maxBytes: "-5" — must not be negative',
    ]);
    expect(errorsOf(`${header}flowControl: { priorityBands: [{ priority: 1 }, { priority: 1 }] }\n`)).toEqual(
      [
        "test.yaml#0 flowControl.priorityBands[1].priority: 1 — must be unique: a band is listed once (also priorityBands[0])",
      ],
    );
  });

  it("parses gates, quantities and durations", () => {
    expect([...parseFeatureGates(["a", "b=false", "a=false", "c=true"])]).toEqual([
      ["a", false],
      ["b", false],
      ["c", true],
    ]);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("512Mi")).toBe(512 * 2 ** 20);
    expect(parseQuantity("-1")).toBeUndefined();
    expect(parseDuration("0s")).toBe(0);
    expect(parseDuration("1h2m")).toBe(3_720_000);
    expect(parseDuration("-1s")).toBeUndefined();
  });

  it("takes the usage-limit policy from a plugin of the config, and keeps it out of the scheduler", () => {
    const r = resourcesOf(`apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates: [flowControl]
plugins:
  - type: queue-scorer
  - { type: priority-holdback-policy, name: holdback, parameters: { minCeiling: 0.6 } }
schedulingProfiles: [{ name: default, plugins: [{ pluginRef: queue-scorer }] }]
flowControl: { usageLimitPolicyPluginRef: holdback }
`);
    expect(flowControlFor(r)?.usageLimit).toEqual({
      policy: "priority-holdback-policy",
      domain: "rank",
      minCeiling: 0.6,
      maxCeiling: 1,
    });
    expect(schedulerConfigFor(r)?.plugins.map((p) => p.type)).toEqual(["queue-scorer"]);
    expect(errorsOf(`${header}flowControl: { usageLimitPolicyPluginRef: nope }\n`)).toEqual([
      'test.yaml#0 flowControl.usageLimitPolicyPluginRef: "nope" — must name a plugin of type static-usage-limit-policy or priority-holdback-policy declared in plugins, or one of those types',
    ]);
  });

  it("accepts enableEviction: true (refused before eviction existed); default false", () => {
    const on = resourcesOf(`${header}featureGates: [flowControl]\nflowControl: { enableEviction: true }\n`);
    expect(flowControlFor(on)?.enableEviction).toBe(true);
    const off = resourcesOf(`${header}featureGates: [flowControl]\nflowControl: {}\n`);
    expect(flowControlFor(off)?.enableEviction).toBe(false);
    // The README's recommended config loads as written.
    const advised = flowControlFor(
      resourcesOf(`apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates: [flowControl]
plugins:
  - type: queue-scorer
  - { type: priority-holdback-policy, name: holdback, parameters: { minCeiling: 0.97 } }
schedulingProfiles: [{ name: default, plugins: [{ pluginRef: queue-scorer }] }]
flowControl:
  usageLimitPolicyPluginRef: holdback
  enableEviction: true
`),
    );
    expect(advised?.enableEviction).toBe(true);
    expect(advised?.usageLimit).toMatchObject({ policy: "priority-holdback-policy", minCeiling: 0.97 });
  });
});
