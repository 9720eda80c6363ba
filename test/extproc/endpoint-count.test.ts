import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
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

/** The load balancing policies of the shipped Envoy config's model-server cluster. */
function shippedModelServerPolicies(): string[] {
  const envoy = parse(
    readFileSync(new URL("../../runtimes/node/deploy/envoy.yaml", import.meta.url), "utf8"),
  );
  // biome-ignore lint/suspicious/noExplicitAny: walking parsed YAML
  const cluster = envoy.static_resources.clusters.find((c: any) => c.name === "model_servers");
  return [
    cluster.type,
    // biome-ignore lint/suspicious/noExplicitAny: walking parsed YAML
    ...(cluster.load_balancing_policy?.policies ?? []).map((p: any) => p.typed_extension_config.name),
  ];
}

describe("extProcMaxEndpoints", () => {
  it("lists all the built-in config returns, because the shipped Envoy config takes ordered fallbacks", () => {
    // Were the shipped cluster ORIGINAL_DST again (one ip:port), this rule would have to list one.
    expect(shippedModelServerPolicies()).toContain("envoy.load_balancing_policies.override_host");
    expect(shippedModelServerPolicies()).not.toContain("ORIGINAL_DST");
    expect(extProcMaxEndpoints(load(POOL))).toBeUndefined();
  });

  it("lists all upstream's built-in profile returns too", () => {
    const router = `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {scheduler: {builtin: upstream-default}}
`;
    expect(extProcMaxEndpoints(load(POOL, router))).toBeUndefined();
  });

  it("lists what the user's EndpointPickerConfig returns", () => {
    expect(extProcMaxEndpoints(load(POOL, PICKER))).toBeUndefined();
  });
});
