import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createRouterCore } from "../../src/routing/router-core.js";

const pool = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: p}
spec: {selector: {matchLabels: {app: x}}, targetPorts: [{number: 8000}]}
`;
const scheduler = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
metadata: {name: sched}
plugins:
  - {type: queue-scorer}
  - {type: kv-cache-utilization-scorer}
  - {type: random-picker}
schedulingProfiles:
  - name: by-queue
    plugins: [{pluginRef: queue-scorer}]
  - name: by-kv
    plugins: [{pluginRef: kv-cache-utilization-scorer}, {pluginRef: random-picker}]
`;
const router = (profile?: string) => `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {scheduler: {configRef: sched${profile ? `, profile: ${profile}` : ""}}}
`;

function profilesRun(profile?: string): string[] {
  const parsed = parseManifests([
    { path: "all.yaml", text: [pool, scheduler, router(profile)].join("---\n") },
  ]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, {
    clock: createManualClock(0),
    random: createSeededRandom(1),
  });
  return core.scheduler.profiles.map((p) => p.name);
}

describe("RouterConfig.scheduler.profile", () => {
  it("runs the named profile of a config that declares several", () => {
    expect(profilesRun("by-kv")).toEqual(["by-kv"]);
  });

  it("runs the first profile when none is named", () => {
    expect(profilesRun()).toEqual(["by-queue"]);
  });
});
