import { describe, expect, it } from "vitest";
import type { PluginDeps } from "../../../../src/scheduling/framework/plugin.js";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import {
  AlwaysDisaggPdDecider,
  createAlwaysDisaggPdDecider,
} from "../../../../src/scheduling/plugins/profile-handler/always-disagg-pd-decider.js";
import {
  createPrefixBasedPdDecider,
  type PrefixBasedPdDecider,
} from "../../../../src/scheduling/plugins/profile-handler/prefix-based-pd-decider.js";
import { createPrefixCacheScorer } from "../../../../src/scheduling/plugins/scorer/prefix-cache-scorer.js";
import { ctx, endpoints, hashes, MapPrefixIndex, request } from "../../helpers.js";

function depsWith(index: MapPrefixIndex): PluginDeps {
  const scorer = createPrefixCacheScorer(
    "prefix-cache-scorer",
    {},
    {
      prefixIndexFactory: () => index,
      metrics: noopSchedulerMetrics,
      plugin: () => undefined,
    },
  );
  return {
    prefixIndexFactory: () => index,
    metrics: noopSchedulerMetrics,
    plugin: (name) => (name === "prefix-cache-scorer" ? scorer : undefined),
  };
}

describe("always-disagg-pd-decider", () => {
  it("disaggregates every request", () => {
    const [e] = endpoints([{}]);
    expect(new AlwaysDisaggPdDecider().decide().disaggregate).toBe(true);
    const d = createAlwaysDisaggPdDecider("a", {}, undefined as never);
    expect(d.type).toBe("always-disagg-pd-decider");
    expect((d as AlwaysDisaggPdDecider).decide().disaggregate).toBe(true);
    expect(e).toBeDefined();
  });
});

describe("prefix-based-pd-decider", () => {
  const [decode] = endpoints([{}]);
  // 64-character blocks = 16 tokens each; a 100-block prompt is 1,600 tokens.
  const prompt = request({ promptTokens: 1_600, prefixHashes: hashes(1, 100) });

  it("nonCachedTokens 0 (the default) disables it: never disaggregates", () => {
    const d = createPrefixBasedPdDecider("d", {}, depsWith(new MapPrefixIndex())) as PrefixBasedPdDecider;
    expect(d.decide(ctx(), prompt, decode!)).toMatchObject({ disaggregate: false });
  });

  it("disaggregates when the decode endpoint's uncached tokens reach nonCachedTokens", () => {
    const index = new MapPrefixIndex();
    const d = createPrefixBasedPdDecider(
      "d",
      { nonCachedTokens: 1_000 },
      depsWith(index),
    ) as PrefixBasedPdDecider;
    expect(d.decide(ctx(), prompt, decode!)).toMatchObject({ disaggregate: true, cachedTokens: 0 });
    // The decode endpoint holds 70 of the 100 blocks: 1,120 tokens cached, 480 uncached < 1,000.
    index.record(decode!.address, hashes(1, 70));
    const r = d.decide(ctx(), prompt, decode!);
    expect(r).toMatchObject({ disaggregate: false, cachedTokens: 1_120 });
    expect(r.reason).toBe("uncached 480 tokens < nonCachedTokens 1000");
  });

  it("a prompt shorter than promptTokens is never disaggregated", () => {
    const d = createPrefixBasedPdDecider(
      "d",
      { nonCachedTokens: 10, promptTokens: 2_000 },
      depsWith(new MapPrefixIndex()),
    ) as PrefixBasedPdDecider;
    expect(d.decide(ctx(), prompt, decode!).disaggregate).toBe(false);
    expect(d.decide(ctx(), { ...prompt, promptTokens: 2_000 }, decode!).disaggregate).toBe(true);
  });

  it("without a prefix-cache plugin nothing counts as cached", () => {
    const d = createPrefixBasedPdDecider(
      "d",
      { nonCachedTokens: 100 },
      {
        prefixIndexFactory: undefined,
        metrics: noopSchedulerMetrics,
        plugin: () => undefined,
      },
    ) as PrefixBasedPdDecider;
    expect(d.decide(ctx(), prompt, decode!)).toMatchObject({ disaggregate: true, cachedTokens: 0 });
  });

  it("refuses bad parameters naming the plugin, the field and the value", () => {
    const deps = depsWith(new MapPrefixIndex());
    expect(() => createPrefixBasedPdDecider("d", { nonCachedTokens: -1 }, deps)).toThrow(
      /plugin "d" \(prefix-based-pd-decider\).*nonCachedTokens/,
    );
    expect(() => createPrefixBasedPdDecider("d", { prefixCachePlugin: "nope" }, deps)).toThrow(
      /parameters\.prefixCachePlugin: "nope" names no plugin/,
    );
  });
});
