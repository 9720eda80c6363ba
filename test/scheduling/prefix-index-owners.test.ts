import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/core/random.js";
import { parseBody } from "../../src/request/parse-body.js";
import { buildSchedulingRequest } from "../../src/request/scheduling-request.js";
import type { Filter } from "../../src/scheduling/framework/filter.js";
import type { PluginFactory } from "../../src/scheduling/framework/plugin.js";
import { createPrefixIndex } from "../../src/scheduling/prefix/lru-prefix-index.js";
import type { PrefixIndexFactory } from "../../src/scheduling/prefix-index.js";
import { builtinPlugins, type PluginRegistry } from "../../src/scheduling/registry.js";
import { createScheduler } from "../../src/scheduling/scheduler.js";
import { benchmarkPlugins } from "../bench/baselines/registry.js";
import type { SglangCacheAwarePicker } from "../bench/baselines/sglang-cache-aware-picker.js";
import {
  address,
  createFixture,
  type Fixture,
  hashes,
  MapPrefixIndex,
  POOL,
  snapshotEndpoint,
} from "./helpers.js";

/**
 * A plugin the scheduler has never heard of that keeps its own prefix index: a plain object, no
 * class, declaring the capability by its two fields.
 */
const createRememberingFilter: PluginFactory = (name, _parameters, deps) => {
  const options = { blockSize: 64, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 100 };
  const plugin: Filter & { prefixIndex: unknown; prefixHashing: unknown } = {
    type: "remembering-filter",
    name,
    filter: (_ctx, _req, endpoints) => endpoints,
    prefixIndex: deps.prefixIndexFactory!(options),
    prefixHashing: options,
  };
  return plugin;
};

const registry: PluginRegistry = new Map([
  ...benchmarkPlugins,
  ["remembering-filter", createRememberingFilter],
]);

/** Every prefix-index owner there is, declared in one config; the profile itself runs only two. */
const everyOwner = {
  plugins: [
    { type: "prefix-cache-scorer" },
    { type: "sglang-cache-aware-picker" },
    { type: "dynamo-kv-cost-picker" },
    { type: "remembering-filter" },
    { type: "max-score-picker" },
  ],
  schedulingProfiles: [
    {
      name: "default",
      plugins: [{ pluginRef: "remembering-filter" }, { pluginRef: "prefix-cache-scorer" }],
    },
  ],
};

function setup(endpointCount: number) {
  const f = createFixture(Array.from({ length: endpointCount }, () => ({})));
  const made: { index: MapPrefixIndex; blockSize: number }[] = [];
  const factory: PrefixIndexFactory = (o) => {
    const index = new MapPrefixIndex();
    made.push({ index, blockSize: o.blockSize });
    return index;
  };
  const scheduler = createScheduler({
    store: f.store,
    config: everyOwner,
    random: createSeededRandom(1),
    prefixIndexFactory: factory,
    registry,
  });
  const indexes = made.map((m) => m.index);
  // Every index has seen a prompt on every endpoint.
  for (const index of indexes) for (let i = 0; i < endpointCount; i++) index.record(address(i), hashes(1, 2));
  return { ...f, scheduler, indexes };
}

function heldBy(indexes: readonly MapPrefixIndex[]): string[][] {
  return indexes.map((index) => [...index.held.keys()].sort());
}

function pushAddresses(f: Fixture, sequence: bigint, slots: number[]): void {
  f.store.push({
    pool: POOL,
    source: "test",
    sequence,
    observedAt: f.clock.now(),
    endpoints: slots.map((i) => snapshotEndpoint(i, {})),
  });
}

describe("prefix-index owners", () => {
  it("finds every plugin that declares the capability, built-in, baseline or custom, by its fields", () => {
    const { scheduler, indexes } = setup(1);
    expect(scheduler.prefixIndexOwners.map((p) => p.type)).toEqual([
      "prefix-cache-scorer",
      "sglang-cache-aware-picker",
      "dynamo-kv-cost-picker",
      "remembering-filter",
    ]);
    expect(indexes).toHaveLength(4);
    expect(scheduler.prefixIndexes).toHaveLength(4);
  });

  it("purges an endpoint that a push leaves out from every index", () => {
    const s = setup(3);
    s.clock.advance(1);
    s.push([{}, {}]);
    expect(heldBy(s.indexes)).toEqual(s.indexes.map(() => [address(0), address(1)]));
  });

  it("purges an endpoint that a push swaps for another, though the count stays the same", () => {
    const s = setup(2);
    pushAddresses(s, 2n, [0, 2]);
    expect(heldBy(s.indexes)).toEqual(s.indexes.map(() => [address(0)]));
  });

  it("purges endpoints that expire", () => {
    const s = setup(2);
    s.clock.advance(s.store.expireAfterMs + 1);
    s.store.sweep();
    expect(heldBy(s.indexes)).toEqual(s.indexes.map(() => []));
  });

  it("purges the endpoints of a pool removed from config", () => {
    const s = setup(2);
    s.store.configurePools([]);
    expect(heldBy(s.indexes)).toEqual(s.indexes.map(() => []));
  });

  it("keeps every index when a push only updates metrics or endpoints merely go stale", () => {
    const s = setup(2);
    s.push([{ waitingRequests: 3 }, {}]);
    s.clock.advance(s.store.staleAfterMs + 1);
    s.store.sweep();
    expect(heldBy(s.indexes)).toEqual(s.indexes.map(() => [address(0), address(1)]));
  });

  it("forgets the sglang picker's tree sizes with its index", () => {
    const f = createFixture([{}, {}]);
    const scheduler = createScheduler({
      store: f.store,
      config: {
        plugins: [{ type: "sglang-cache-aware-picker" }],
        schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "sglang-cache-aware-picker" }] }],
      },
      random: createSeededRandom(1),
      prefixIndexFactory: () => new MapPrefixIndex(),
      registry: benchmarkPlugins,
    });
    const picker = scheduler.plugins.get("sglang-cache-aware-picker") as SglangCacheAwarePicker;
    const eps = f.endpoints();
    picker.onPicked(
      { random: createSeededRandom(1), dryRun: false },
      { ...req(), prefixHashes: hashes(1, 4) },
      [eps[1]!],
    );
    expect(picker.treeSize(address(1))).toBe(4);
    f.clock.advance(1);
    f.push([{}]);
    expect(picker.treeSize(address(1))).toBe(0);
  });
});

describe("prefix hashing across owners", () => {
  it("refuses owners that hash prompts differently, naming both plugins and their blockSize", () => {
    const f = createFixture([{}]);
    expect(() =>
      createScheduler({
        store: f.store,
        config: {
          plugins: [
            { type: "prefix-cache-scorer" },
            { type: "sglang-cache-aware-picker", parameters: { blockSize: 16 } },
          ],
          schedulingProfiles: [
            {
              name: "p",
              plugins: [{ pluginRef: "prefix-cache-scorer" }, { pluginRef: "sglang-cache-aware-picker" }],
            },
          ],
        },
        random: createSeededRandom(1),
        prefixIndexFactory: () => new MapPrefixIndex(),
        registry: benchmarkPlugins,
      }),
    ).toThrow(
      /"prefix-cache-scorer" \(prefix-cache-scorer, blockSize 64\) and "sglang-cache-aware-picker" \(sglang-cache-aware-picker, blockSize 16\)/,
    );
  });

  it("has no hashing options when no plugin owns a prefix index", () => {
    const f = createFixture([{}]);
    const scheduler = createScheduler({
      store: f.store,
      config: {
        plugins: [{ type: "queue-scorer" }],
        schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "queue-scorer" }] }],
      },
      random: createSeededRandom(1),
      registry: builtinPlugins,
    });
    expect(scheduler.prefixIndexOptions).toBeUndefined();
    expect(scheduler.prefixIndexes).toEqual([]);
  });

  // Two prompts that share their first 48 characters and differ after: with 16-character blocks they
  // share 3 of 8 blocks (0.375 > cacheThreshold 0.25), with 64-character blocks none.
  const shared = "s".repeat(48);
  const promptA = `${shared}${"a".repeat(80)}`;
  const promptB = `${shared}${"b".repeat(80)}`;

  function secondPick(blockSize: number): { first: string; second: string } {
    const f = createFixture([{}, {}]);
    const scheduler = createScheduler({
      store: f.store,
      config: {
        plugins: [{ type: "sglang-cache-aware-picker", parameters: { blockSize, cacheThreshold: 0.25 } }],
        schedulingProfiles: [{ name: "p", plugins: [{ pluginRef: "sglang-cache-aware-picker" }] }],
      },
      random: createSeededRandom(7),
      prefixIndexFactory: createPrefixIndex,
      registry: benchmarkPlugins,
    });
    // As the request pipeline does: hash with the scheduler's prefixIndexOptions.
    const build = (prompt: string) =>
      buildSchedulingRequest({
        requestId: prompt.slice(-1),
        parsed: parseBody(JSON.stringify({ model: "m", prompt }), "completions"),
        resolution: { clientModel: "m", targetModel: "m", priority: 0, rewritten: false },
        hashing: scheduler.prefixIndexOptions!,
      });
    expect(scheduler.prefixIndexOptions?.blockSize).toBe(blockSize);
    const first = scheduler.schedule(POOL, build(promptA)).endpoints[0]!.address;
    const second = scheduler.schedule(POOL, build(promptB)).endpoints[0]!.address;
    return { first, second };
  }

  it("hashes requests with a baseline picker's blockSize, so its blockSize changes what matches", () => {
    const fine = secondPick(16);
    expect(fine.second).toBe(fine.first); // 3 shared blocks: follows the cache
    const coarse = secondPick(64);
    expect(coarse.second).not.toBe(coarse.first); // no shared block: the smaller (empty) tree
  });
});

function req() {
  return { requestId: "r", targetModel: "m", priority: 0, promptTokens: 10, maxTokens: 10, prefixHashes: [] };
}
