import { describe, expect, it } from "vitest";
import type { Filter } from "../../../../src/scheduling/framework/filter.js";
import type { Plugin, PluginDeps } from "../../../../src/scheduling/framework/plugin.js";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import { createDecisionTreeFilter } from "../../../../src/scheduling/plugins/filter/decision-tree-filter.js";
import { LeastKvCacheFilter } from "../../../../src/scheduling/plugins/filter/least-kv-cache-filter.js";
import { LowQueueFilter } from "../../../../src/scheduling/plugins/filter/low-queue-filter.js";
import { ctx, endpoints, request } from "../../helpers.js";

function deps(plugins: Plugin[]): PluginDeps {
  return {
    prefixIndexFactory: undefined,
    metrics: noopSchedulerMetrics,
    plugin: (n) => plugins.find((p) => p.name === n),
  };
}

describe("decision-tree-filter", () => {
  const eps = endpoints([
    { waitingRequests: 200, kvCacheUsage: 0.1 },
    { waitingRequests: 300, kvCacheUsage: 0.5 },
    { waitingRequests: 3, kvCacheUsage: 0.9 },
  ]);

  it("passes the survivors to nextOnSuccess", () => {
    const tree = createDecisionTreeFilter(
      "t",
      { current: { pluginRef: "low" }, nextOnSuccess: { pluginRef: "kv" } },
      deps([new LowQueueFilter("low", 100), new LeastKvCacheFilter("kv")]),
    ) as Filter;
    expect(tree.filter(ctx(), request(), eps)).toEqual([eps[2]]);
  });

  it("passes the original input to nextOnFailure", () => {
    const tree = createDecisionTreeFilter(
      "t",
      { current: { pluginRef: "low" }, nextOnFailure: { pluginRef: "kv" } },
      deps([new LowQueueFilter("low", 1), new LeastKvCacheFilter("kv")]),
    ) as Filter;
    expect(tree.filter(ctx(), request(), eps)).toEqual([eps[0]]);
  });

  it("builds the legacy tree when no current filter is given", () => {
    const tree = createDecisionTreeFilter("legacy", {}, deps([])) as Filter;
    // Low-queue keeps only the third; LoRA affinity finds nothing and passes it on.
    expect(tree.filter(ctx(), request(), eps)).toEqual([eps[2]]);
    // Sheddable: no endpoint has queue <= 5 and KV <= 0.8, so the request is dropped.
    expect(tree.filter(ctx(), request({ priority: -1 }), eps)).toEqual([]);
  });

  it("names itself and the path when a reference is not a declared filter", () => {
    expect(() => createDecisionTreeFilter("t", { current: { pluginRef: "nope" } }, deps([]))).toThrow(
      /plugin "t" \(decision-tree-filter\): parameters.current.pluginRef: "nope"/,
    );
  });
});
