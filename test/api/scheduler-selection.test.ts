import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { selectSchedulerConfig } from "../../src/api/scheduler-selection.js";
import { errorsOf, poolYaml } from "./parse-helpers.js";

const config = (name?: string) => `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
${name ? `metadata: { name: ${name} }\n` : ""}plugins: [{ type: queue-scorer }, { type: random-picker }]
schedulingProfiles:
  - { name: first, plugins: [{ pluginRef: queue-scorer, weight: 2 }] }
  - { name: second, plugins: [{ pluginRef: random-picker }] }
`;
const router = (scheduler: string) =>
  `apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec: { scheduler: ${scheduler} }\n`;

function selection(files: { path: string; text: string }[]) {
  const parsed = parseManifests(files);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return selectSchedulerConfig(parsed.resources.router, parsed.resources.schedulerConfigs);
}

describe("which EndpointPickerConfig runs", () => {
  it("runs a lone EndpointPickerConfig that no RouterConfig names, with its first profile", () => {
    const s = selection([
      { path: "pool.yaml", text: poolYaml() },
      { path: "scheduler.yaml", text: config() },
    ]);
    expect(s.ok && s.choice && [s.choice.config.name, s.choice.profile.name, s.choice.reason]).toEqual([
      "default",
      "first",
      "only-config",
    ]);
  });

  it("runs the profile RouterConfig names, of the lone config", () => {
    const s = selection([{ path: "all.yaml", text: `${config()}---\n${router("{ profile: second }")}` }]);
    expect(s.ok && s.choice?.profile.name).toBe("second");
  });

  it("runs the config configRef names among several", () => {
    const s = selection([
      { path: "a.yaml", text: config("a") },
      { path: "b.yaml", text: config("b") },
      { path: "router.yaml", text: router("{ configRef: b }") },
    ]);
    expect(s.ok && s.choice && [s.choice.config.name, s.choice.reason]).toEqual(["b", "configRef"]);
  });

  it("runs the built-in default when the set holds no EndpointPickerConfig", () => {
    expect(selection([{ path: "pool.yaml", text: poolYaml() }])).toEqual({ ok: true, choice: undefined });
  });

  it("runs a built-in config RouterConfig names by builtin, beside EndpointPickerConfigs, unless configRef names one", () => {
    const files = [
      { path: "a.yaml", text: config("a") },
      { path: "b.yaml", text: config("b") },
    ];
    expect(selection([...files, { path: "r.yaml", text: router("{ builtin: upstream-default }") }])).toEqual({
      ok: true,
      choice: undefined,
    });
    const named = selection([
      ...files,
      { path: "r.yaml", text: router("{ builtin: upstream-default, configRef: a }") },
    ]);
    expect(named.ok && named.choice?.config.name).toBe("a");
  });

  it("refuses an unknown builtin name and a profile with a builtin config", () => {
    expect(errorsOf([{ path: "r.yaml", text: router("{ builtin: fastest }") }]).join("\n")).toMatch(
      /spec\.scheduler\.builtin.*default.*upstream-default/,
    );
    expect(errorsOf([{ path: "r.yaml", text: router("{ builtin: default, profile: p }") }])).toEqual([
      'r.yaml#0 spec.scheduler.profile: "p" — names a profile, but spec.scheduler.builtin "default" runs a built-in config (one profile); name an EndpointPickerConfig with configRef',
    ]);
  });

  it("refuses two EndpointPickerConfigs that nothing names, naming both with their files", () => {
    expect(
      errorsOf([
        { path: "a.yaml", text: config("fast") },
        { path: "b.yaml", text: config("slow") },
      ]),
    ).toEqual([
      "b.yaml#0: 2 EndpointPickerConfigs and no RouterConfig spec.scheduler.configRef naming the one to run: " +
        "fast (a.yaml#0), slow (b.yaml#0)",
    ]);
  });

  it("refuses a configRef that names a missing config, listing the configs there are", () => {
    expect(
      errorsOf([
        { path: "a.yaml", text: config("fast") },
        { path: "router.yaml", text: router("{ configRef: quick }") },
      ]),
    ).toEqual([
      'router.yaml#0 spec.scheduler.configRef: "quick" — must name an EndpointPickerConfig of this config ' +
        "(defined: fast (a.yaml#0))",
    ]);
  });

  it("refuses a profile when there is no EndpointPickerConfig to take it from", () => {
    expect(errorsOf([{ path: "router.yaml", text: router("{ profile: fast }") }])).toEqual([
      'router.yaml#0 spec.scheduler.profile: "fast" — names a profile, but the config holds no ' +
        "EndpointPickerConfig (the built-in default has one profile)",
    ]);
  });
});
