import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/core/random.js";
import {
  defaultSchedulerConfig,
  upstreamDefaultSchedulerConfig,
} from "../../src/scheduling/config/default-config.js";
import type { SchedulerConfig } from "../../src/scheduling/config/scheduler-config.js";
import { createScheduler } from "../../src/scheduling/scheduler.js";
import { createFixture, MapPrefixIndex } from "./helpers.js";

function build(config: SchedulerConfig) {
  const f = createFixture([{}]);
  return createScheduler({
    store: f.store,
    config,
    random: createSeededRandom(1),
    prefixIndexFactory: () => new MapPrefixIndex(),
  });
}

describe("scheduler config", () => {
  it("builds the built-in default: service-time and affinity filters, prefix 2, active requests 2, tokens 2 (each share-scaled), LoRA 1, near-max picker", () => {
    const s = build(defaultSchedulerConfig());
    const [p] = s.profiles;
    expect(p!.name).toBe("default");
    expect(p!.filters.map((f) => f.type)).toEqual(["service-time-filter", "prefix-cache-affinity-filter"]);
    expect(
      p!.scorers.map((w) => [
        w.scorer.type,
        (w.scorer as { inner?: { type: string } }).inner?.type ?? "",
        w.weight,
      ]),
    ).toEqual([
      ["prefix-cache-scorer", "", 2],
      ["share-scaled-scorer", "active-request-scorer", 2],
      ["share-scaled-scorer", "outstanding-tokens-scorer", 2],
      ["lora-affinity-scorer", "", 1],
    ]);
    expect(p!.picker.type).toBe("near-max-score-picker");
    expect(s.prefixIndexOptions?.lruCapacityPerServer).toBe(7_353);
  });

  it("builds upstream's default profile: queue 2, kv-cache 2, prefix 3, max-score-picker", () => {
    const s = build(upstreamDefaultSchedulerConfig());
    const [p] = s.profiles;
    expect(p!.name).toBe("default");
    expect(p!.scorers.map((w) => [w.scorer.type, w.weight])).toEqual([
      ["queue-scorer", 2],
      ["kv-cache-utilization-scorer", 2],
      ["prefix-cache-scorer", 3],
    ]);
    expect(p!.picker.type).toBe("max-score-picker");
    expect(s.prefixIndexOptions).toEqual({
      blockSize: 64,
      maxPrefixBlocksToMatch: 256,
      lruCapacityPerServer: 31_250,
    });
  });

  it("gives a scorer without weight 1 and a profile without picker a max-score-picker", () => {
    const s = build({
      plugins: [{ type: "queue-scorer", name: "q" }],
      schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "q" }] }],
    });
    expect(s.profiles[0]!.scorers[0]!.weight).toBe(1);
    expect(s.profiles[0]!.picker.type).toBe("max-score-picker");
  });

  it("accepts upstream's short names for the legacy filters", () => {
    const s = build({
      plugins: [{ type: "low-queue", parameters: { threshold: 10 } }, { type: "random-picker" }],
      schedulingProfiles: [
        { name: "p", plugins: [{ pluginRef: "low-queue" }, { pluginRef: "random-picker" }] },
      ],
    });
    expect(s.profiles[0]!.filters[0]!.type).toBe("low-queue-filter");
  });

  it("names the plugin whose parameters are wrong", () => {
    expect(() =>
      build({
        plugins: [
          { type: "max-score-picker", name: "fallbacks", parameters: { maxNumOfEndpoints: "three" } },
        ],
        schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "fallbacks" }] }],
      }),
    ).toThrow(/plugin "fallbacks" \(max-score-picker\): parameters.maxNumOfEndpoints/);
  });

  it("names an unknown plugin type and lists the known ones", () => {
    expect(() =>
      build({
        plugins: [{ type: "fastest-scorer", name: "f" }],
        schedulingProfiles: [{ name: "p", plugins: [] }],
      }),
    ).toThrow(/plugins\[0\] "f": unknown plugin type "fastest-scorer" \(known: .*queue-scorer/);
  });

  it("names the profile and the reference that points nowhere", () => {
    expect(() =>
      build({
        plugins: [{ type: "queue-scorer" }],
        schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "kv" }] }],
      }),
    ).toThrow(/schedulingProfiles\[0\] "p": pluginRef "kv" names no declared plugin/);
  });

  it("refuses two pickers in one profile and duplicate plugin names", () => {
    expect(() =>
      build({
        plugins: [{ type: "random-picker" }, { type: "max-score-picker" }],
        schedulingProfiles: [
          { name: "p", plugins: [{ pluginRef: "random-picker" }, { pluginRef: "max-score-picker" }] },
        ],
      }),
    ).toThrow(/two pickers/);
    expect(() =>
      build({
        plugins: [{ type: "queue-scorer" }, { type: "queue-scorer" }],
        schedulingProfiles: [{ name: "p", plugins: [] }],
      }),
    ).toThrow(/"queue-scorer" is used twice/);
  });

  it("refuses several profiles without a handler that can drive them", () => {
    expect(() =>
      build({
        plugins: [{ type: "queue-scorer" }],
        schedulingProfiles: [
          { name: "a", plugins: [] },
          { name: "b", plugins: [] },
        ],
      }),
    ).toThrow(/single-profile-handler\) drives 1 profile, found 2/);
  });
});
