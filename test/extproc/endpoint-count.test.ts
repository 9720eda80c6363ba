import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { extProcMaxEndpoints } from "../../src/extproc/endpoint-count.js";

const POOL = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
`;
const PICKER = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
metadata: {name: three}
plugins:
  - type: queue-scorer
  - type: max-score-picker
    parameters: {maxNumOfEndpoints: 3}
schedulingProfiles:
  - name: default
    plugins: [{pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
`;

function load(...docs: string[]) {
  const parsed = parseManifests([{ path: "t.yaml", text: docs.join("---\n") }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.resources;
}

describe("extProcMaxEndpoints", () => {
  it("lists one endpoint under the built-in scheduler config (Envoy's ORIGINAL_DST reads one ip:port)", () => {
    expect(extProcMaxEndpoints(load(POOL))).toBe(1);
  });

  it("lists one endpoint under upstream's built-in profile too", () => {
    const router = `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {scheduler: {builtin: upstream-default}}
`;
    expect(extProcMaxEndpoints(load(POOL, router))).toBe(1);
  });

  it("lists what the user's EndpointPickerConfig returns", () => {
    expect(extProcMaxEndpoints(load(POOL, PICKER))).toBeUndefined();
  });
});
