import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../src/scheduling/metrics.js";
import { createFixture, ctx, hashes, MapPrefixIndex, POOL, request } from "../../scheduling/helpers.js";
import {
  createSglangCacheAwarePicker,
  type SglangCacheAwareParameters,
  SglangCacheAwarePicker,
} from "./sglang-cache-aware-picker.js";

const params: SglangCacheAwareParameters = {
  cacheThreshold: 0.5,
  balanceAbsThreshold: 32,
  balanceRelThreshold: 1.5,
  maxTreeSize: 1_000,
  blockSize: 64,
  maxPrefixBlocksToMatch: 256,
};

function setup(loads: number[], p: Partial<SglangCacheAwareParameters> = {}) {
  const f = createFixture(loads.map(() => ({})));
  const eps = f.endpoints();
  loads.forEach((n, i) => {
    for (let k = 0; k < n; k++) f.store.acquire(POOL, eps[i]!.address, 10);
  });
  const index = new MapPrefixIndex();
  const picker = new SglangCacheAwarePicker("s", { ...params, ...p }, index);
  return { eps, index, picker };
}

describe("sglang-cache-aware-picker", () => {
  it("goes to the least loaded endpoint when max - min > balanceAbsThreshold and max > 1.5 x min", () => {
    const { eps, index, picker } = setup([40, 5, 20]);
    const h = hashes(1, 4);
    index.record(eps[0]!.address, h);
    expect(picker.pick(ctx(), request({ prefixHashes: h }), eps)).toEqual([eps[1]]);
  });

  it("stays cache-aware when the spread is under the absolute threshold", () => {
    const { eps, index, picker } = setup([30, 0, 10]);
    const h = hashes(1, 4);
    index.record(eps[0]!.address, h);
    expect(picker.pick(ctx(), request({ prefixHashes: h }), eps)).toEqual([eps[0]]);
  });

  it("stays cache-aware when max <= balanceRelThreshold x min, however large the spread", () => {
    const { eps, index, picker } = setup([140, 100, 120]);
    const h = hashes(1, 4);
    index.record(eps[0]!.address, h);
    expect(picker.pick(ctx(), request({ prefixHashes: h }), eps)).toEqual([eps[0]]);
  });

  it("takes the best match only when its ratio exceeds cacheThreshold, else the smallest tree", () => {
    const { eps, index, picker } = setup([0, 0, 0]);
    const h = hashes(1, 4);
    index.record(eps[0]!.address, h.slice(0, 2)); // ratio 0.5: not > 0.5
    picker.onPicked(ctx(), request({ prefixHashes: hashes(100, 8) }), [eps[0]!]);
    picker.onPicked(ctx(), request({ prefixHashes: hashes(200, 3) }), [eps[1]!]);
    // trees: eps[0] 8 blocks, eps[1] 3, eps[2] 0 -> the smallest tree is eps[2]
    expect(picker.pick(ctx(), request({ prefixHashes: h }), eps)).toEqual([eps[2]]);
    index.record(eps[1]!.address, h.slice(0, 3)); // ratio 0.75
    expect(picker.pick(ctx(), request({ prefixHashes: h }), eps)).toEqual([eps[1]]);
  });

  it("grows the primary's tree by the blocks it did not already hold, capped at maxTreeSize", () => {
    const { eps, picker } = setup([0, 0], { maxTreeSize: 10 });
    const h = hashes(1, 6);
    picker.pick(ctx(), request({ prefixHashes: h }), eps);
    picker.onPicked(ctx(), request({ prefixHashes: h }), [eps[0]!]);
    expect(picker.treeSize(eps[0]!.address)).toBe(6);
    picker.pick(ctx(), request({ prefixHashes: h }), eps);
    picker.onPicked(ctx(), request({ prefixHashes: h }), [eps[0]!]);
    expect(picker.treeSize(eps[0]!.address)).toBe(6);
    picker.onPicked(ctx(), request({ prefixHashes: hashes(50, 7) }), [eps[0]!]);
    expect(picker.treeSize(eps[0]!.address)).toBe(10);
  });

  it("parses its parameters with defaults and names a bad one", () => {
    const deps = {
      prefixIndexFactory: () => new MapPrefixIndex(),
      metrics: noopSchedulerMetrics,
      plugin: () => undefined,
    };
    const p = createSglangCacheAwarePicker("s", undefined, deps) as SglangCacheAwarePicker;
    expect(p.params).toEqual({ ...params, maxTreeSize: 31_250 });
    expect(() => createSglangCacheAwarePicker("s", { cacheThreshold: 2 }, deps)).toThrow(
      /plugin "s".*cacheThreshold/,
    );
  });
});
