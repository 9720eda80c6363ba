import { describe, expect, it } from "vitest";
import { errorsOf, resourcesOf } from "./parse-helpers.js";

const header = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n";

describe("EndpointPickerConfig", () => {
  it("parses an upstream-style config without metadata, naming plugins after their type", () => {
    const [config] = resourcesOf(`${header}featureGates: [prepareDataPlugins]
plugins:
  - type: queue-scorer
  - type: prefix-cache-scorer
    name: prefix
    parameters: { blockSize: 64 }
  - type: max-score-picker
schedulingProfiles:
  - name: default
    plugins:
      - { pluginRef: queue-scorer, weight: 2 }
      - { pluginRef: prefix, weight: 3 }
      - { pluginRef: max-score-picker }
saturationDetector: { queueDepthThreshold: 5 }
`).schedulerConfigs;
    // The detector's other threshold takes its default (0.8), so the scheduler needs no schema of its own.
    expect(config).toEqual({
      name: "default",
      namespace: "default",
      plugins: [
        { type: "queue-scorer", name: "queue-scorer", parameters: {} },
        { type: "prefix-cache-scorer", name: "prefix", parameters: { blockSize: 64 } },
        { type: "max-score-picker", name: "max-score-picker", parameters: {} },
      ],
      schedulingProfiles: [
        {
          name: "default",
          plugins: [
            { pluginRef: "queue-scorer", weight: 2 },
            { pluginRef: "prefix", weight: 3 },
            { pluginRef: "max-score-picker" },
          ],
        },
      ],
      saturationDetector: { queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8 },
      featureGates: ["prepareDataPlugins"],
      source: { file: "test.yaml", doc: 0 },
    });
  });

  it("refuses a pluginRef to an undeclared plugin, listing the declared ones", () => {
    const errors = errorsOf(`${header}plugins: [{ type: queue-scorer }]
schedulingProfiles: [{ name: default, plugins: [{ pluginRef: kv-scorer }] }]
`);
    expect(errors).toEqual([
      'test.yaml#0 schedulingProfiles[0].plugins[0].pluginRef: "kv-scorer" — must name a plugin declared in plugins (declared: queue-scorer)',
    ]);
  });

  it("refuses two plugins with the same name and two profiles with the same name", () => {
    const errors = errorsOf(`${header}plugins: [{ type: queue-scorer }, { type: queue-scorer }]
schedulingProfiles: [{ name: p, plugins: [] }, { name: p, plugins: [] }]
`);
    expect(errors).toEqual([
      'test.yaml#0 plugins[1].type: "queue-scorer" — plugin names must be unique (also plugins[0]; the name defaults to the type)',
      'test.yaml#0 schedulingProfiles[1].name: "p" — must be unique (also schedulingProfiles[0])',
    ]);
  });

  it("refuses a plugin without a type, parameters that are not a mapping, and a negative weight", () => {
    const errors = errorsOf(`${header}plugins: [{ name: x }, { type: y, parameters: [1] }]
schedulingProfiles: [{ name: p, plugins: [{ pluginRef: y, weight: -1 }] }]
`);
    expect(errors).toEqual([
      "test.yaml#0 plugins[0].type: (missing) — is required",
      "test.yaml#0 plugins[1].parameters: [1] — must be a mapping",
      "test.yaml#0 schedulingProfiles[0].plugins[0].weight: -1 — must be at least 0",
    ]);
  });

  it("refuses a profile without a name, a misspelt detector threshold and a weight above the limit", () => {
    const errors = errorsOf(`${header}plugins: [{ type: queue-scorer }]
schedulingProfiles: [{ plugins: [{ pluginRef: queue-scorer, weight: 2000000 }] }]
saturationDetector: { queueDepth: 1, kvCacheUtilThreshold: 1.5 }
`);
    expect(errors).toEqual([
      "test.yaml#0 schedulingProfiles[0].name: (missing) — is required",
      "test.yaml#0 schedulingProfiles[0].plugins[0].weight: 2000000 — must be at most 1000000",
      "test.yaml#0 saturationDetector.kvCacheUtilThreshold: 1.5 — must be at most 1",
      "test.yaml#0 saturationDetector.queueDepth: 1 — is not a known field (check its spelling)",
    ]);
  });

  it("refuses a config without plugins or profiles", () => {
    expect(
      errorsOf(`${header}plugins: []
schedulingProfiles: []
`),
    ).toEqual([
      "test.yaml#0 plugins: [] — must declare at least one plugin",
      "test.yaml#0 schedulingProfiles: [] — must declare at least one profile",
    ]);
  });
});
