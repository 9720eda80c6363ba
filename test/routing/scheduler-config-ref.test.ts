import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { describeScheduler, schedulerConfigFor } from "../../src/routing/scheduler-config-ref.js";

const pool = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: p}
spec: {selector: {matchLabels: {app: x}}, targetPorts: [{number: 8000}]}
`;
const scheduler = (name = "sched") => `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
metadata: {name: ${name}}
plugins:
  - {type: queue-scorer}
  - {type: kv-cache-utilization-scorer}
  - {type: random-picker}
schedulingProfiles:
  - name: by-queue
    plugins: [{pluginRef: queue-scorer, weight: 4}]
  - name: by-kv
    plugins: [{pluginRef: kv-cache-utilization-scorer}, {pluginRef: random-picker}]
`;
const router = (profile?: string) => `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {scheduler: {configRef: sched${profile ? `, profile: ${profile}` : ""}}}
`;

const builtin = (name: string, extra = "") => `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {scheduler: {builtin: ${name}${extra}}}
`;

function load(...docs: string[]): RouterResources {
  const parsed = parseManifests([{ path: "all.yaml", text: docs.join("---\n") }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.resources;
}

function profilesRun(resources: RouterResources): string[] {
  const core = createRouterCore(resources, { clock: createManualClock(0), random: createSeededRandom(1) });
  return core.scheduler.profiles.map((p) => p.name);
}

describe("RouterConfig.scheduler.profile", () => {
  it("runs the named profile of a config that declares several", () => {
    expect(profilesRun(load(pool, scheduler(), router("by-kv")))).toEqual(["by-kv"]);
  });

  it("runs the first profile when none is named", () => {
    expect(profilesRun(load(pool, scheduler(), router()))).toEqual(["by-queue"]);
  });
});

describe("schedulerConfigFor", () => {
  it("gives a config set of a pool and one EndpointPickerConfig that config, not the built-in default", () => {
    const resources = load(pool, scheduler());
    expect(schedulerConfigFor(resources)?.schedulingProfiles).toEqual([
      { name: "by-queue", plugins: [{ pluginRef: "queue-scorer", weight: 4 }] },
    ]);
    expect(profilesRun(resources)).toEqual(["by-queue"]);
  });

  it("gives undefined (the built-in default) for a set without an EndpointPickerConfig", () => {
    expect(schedulerConfigFor(load(pool))).toBeUndefined();
  });

  it("gives upstream's 2/2/3 profile with three endpoints for builtin upstream-default, even beside a lone config", () => {
    for (const r of [
      load(pool, builtin("upstream-default")),
      load(pool, scheduler(), builtin("upstream-default")),
    ]) {
      const c = schedulerConfigFor(r)!;
      expect(c.schedulingProfiles[0]!.plugins.map((p) => [p.pluginRef, p.weight])).toEqual([
        ["queue-scorer", 2],
        ["kv-cache-utilization-scorer", 2],
        ["prefix-cache-scorer", 3],
        ["max-score-picker", undefined],
      ]);
      expect(c.plugins.at(-1)).toEqual({ type: "max-score-picker", parameters: { maxNumOfEndpoints: 3 } });
      const core = createRouterCore(r, { clock: createManualClock(0), random: createSeededRandom(1) });
      expect(core.scheduler.profiles[0]!.picker.type).toBe("max-score-picker");
    }
  });

  it("gives undefined (the built-in default) for builtin default, and configRef wins over builtin", () => {
    expect(schedulerConfigFor(load(pool, builtin("default")))).toBeUndefined();
    const named = load(pool, scheduler(), builtin("upstream-default", ", configRef: sched"));
    expect(schedulerConfigFor(named)?.schedulingProfiles[0]?.name).toBe("by-queue");
  });

  it("refuses hand-built resources with two configs and none named, naming both", () => {
    const a = load(pool, scheduler("a"));
    const both: RouterResources = {
      ...a,
      schedulerConfigs: [...a.schedulerConfigs, ...load(scheduler("b")).schedulerConfigs],
    };
    expect(() => schedulerConfigFor(both)).toThrow(/a \(all\.yaml#1\), b \(all\.yaml#0\)/);
  });

  it("refuses hand-built resources whose configRef names a missing config", () => {
    const r = load(pool, scheduler(), router());
    const missing: RouterResources = { ...r, router: { ...r.router, scheduler: { configRef: "gone" } } };
    expect(() => schedulerConfigFor(missing)).toThrow(
      /spec.scheduler.configRef: must name an EndpointPickerConfig/,
    );
  });
});

describe("describeScheduler", () => {
  it("names the config, why it runs, its profile, the plugins with weights and the file", () => {
    expect(describeScheduler(load(pool, scheduler(), router("by-kv")))).toEqual({
      config: "sched",
      reason: "configRef",
      profile: "by-kv",
      plugins: [
        { name: "kv-cache-utilization-scorer", type: "kv-cache-utilization-scorer" },
        { name: "random-picker", type: "random-picker" },
      ],
      source: "all.yaml#1",
    });
  });

  it("describes the built-in default when the set holds no EndpointPickerConfig", () => {
    const d = describeScheduler(load(pool));
    expect([d.config, d.reason, d.profile, d.source]).toEqual([
      "built-in default",
      "built-in",
      "default",
      "built-in",
    ]);
    expect(d.plugins.map((p) => [p.type, p.weight])).toEqual([
      ["service-time-filter", undefined],
      ["prefix-cache-affinity-filter", undefined],
      ["prefix-cache-scorer", 2],
      ["share-scaled-scorer", 2],
      ["share-scaled-scorer", 2],
      ["lora-affinity-scorer", 1],
      ["near-max-score-picker", undefined],
    ]);
  });

  it("describes upstream's default profile when RouterConfig names builtin upstream-default", () => {
    const d = describeScheduler(load(pool, builtin("upstream-default")));
    expect([d.config, d.reason, d.source]).toEqual(["built-in upstream-default", "built-in", "built-in"]);
    expect(d.plugins.map((p) => [p.type, p.weight])).toEqual([
      ["queue-scorer", 2],
      ["kv-cache-utilization-scorer", 2],
      ["prefix-cache-scorer", 3],
      ["max-score-picker", undefined],
    ]);
  });
});
