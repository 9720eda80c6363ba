import { describe, expect, it } from "vitest";
import { noopSchedulerMetrics } from "../../../src/scheduling/metrics.js";
import { createFixture, ctx, hashes, MapPrefixIndex, POOL, request } from "../../scheduling/helpers.js";
import {
  createDynamoKvCostPicker,
  type DynamoKvCostParameters,
  DynamoKvCostPicker,
} from "./dynamo-kv-cost-picker.js";

const params: DynamoKvCostParameters = {
  overlapScoreWeight: 1,
  kvBlockSize: 16,
  blockSize: 64,
  lruCapacityPerServer: 1_000,
  maxPrefixBlocksToMatch: 256,
};

describe("dynamo-kv-cost-picker", () => {
  it("costs overlapScoreWeight x uncached prompt blocks + active blocks + the prompt's blocks", () => {
    const f = createFixture([{}, {}]);
    const eps = f.endpoints();
    f.store.acquire(POOL, eps[1]!.address, 320); // 20 active blocks
    const picker = new DynamoKvCostPicker("d", { ...params, overlapScoreWeight: 2 }, new MapPrefixIndex());
    const req = request({ promptTokens: 160, prefixHashes: hashes(1, 10) });
    // eps[0]: 2 x 10 prefill + (0 + 10) decode = 30; with 4 cached 64-char blocks (64 tokens): 2 x 6 + 10 = 22
    expect(picker.cost(eps[0]!, req, 0)).toBe(30);
    expect(picker.cost(eps[0]!, req, 4)).toBe(22);
    // eps[1]: 2 x 10 + (20 + 10) = 50
    expect(picker.cost(eps[1]!, req, 0)).toBe(50);
  });

  it("picks the lowest cost: a warm cache beats a small load difference, not a large one", () => {
    const f = createFixture([{}, {}]);
    const eps = f.endpoints();
    const index = new MapPrefixIndex();
    const picker = new DynamoKvCostPicker("d", params, index);
    const h = hashes(1, 10);
    index.record(eps[0]!.address, h);
    const req = request({ promptTokens: 160, prefixHashes: h });
    f.store.acquire(POOL, eps[0]!.address, 80); // +5 blocks: 15 vs 20 -> still eps[0]
    expect(picker.pick(ctx(), req, eps)).toEqual([eps[0]]);
    f.store.acquire(POOL, eps[0]!.address, 160); // +10 more: 25 vs 20 -> eps[1]
    expect(picker.pick(ctx(), req, eps)).toEqual([eps[1]]);
  });

  it("uses the endpoint's pushed KV block size when it reports one", () => {
    const f = createFixture([{ blockSize: 32 }]);
    const picker = new DynamoKvCostPicker("d", params, new MapPrefixIndex());
    expect(picker.cost(f.endpoints()[0]!, request({ promptTokens: 320 }), 0)).toBe(20);
  });

  it("records the prompt for the primary after a committed pick", () => {
    const f = createFixture([{}, {}]);
    const index = new MapPrefixIndex();
    const picker = new DynamoKvCostPicker("d", params, index);
    const h = hashes(1, 3);
    picker.onPicked(ctx(), request({ prefixHashes: h }), [f.endpoints()[1]!]);
    expect(index.matchLengths(h, [f.endpoints()[1]!.address]).get(f.endpoints()[1]!.address)).toBe(3);
  });

  it("parses its parameters with defaults and names a bad one", () => {
    const deps = {
      prefixIndexFactory: () => new MapPrefixIndex(),
      metrics: noopSchedulerMetrics,
      plugin: () => undefined,
    };
    const p = createDynamoKvCostPicker("d", {}, deps) as DynamoKvCostPicker;
    expect(p.params).toEqual({ ...params, lruCapacityPerServer: 31_250 });
    expect(() => createDynamoKvCostPicker("d", { overlapScoreWeight: -1 }, deps)).toThrow(
      /overlapScoreWeight/,
    );
  });
});
