import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import type { RouterError } from "../../src/core/errors.js";
import { createSeededRandom } from "../../src/core/random.js";
import { peerReportMessage } from "../../src/push/peer-publisher.js";
import { createScheduler } from "../../src/scheduling/scheduler.js";
import { defaultPeerReportLimits, parsePeerReport } from "../../src/state/peer-load.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "./fixtures.js";

const A = "10.0.0.1:8000";
const B = "10.0.0.2:8000";
/** A prompt's chained block hashes (any uint32s: the index only compares them). */
const prompt = Array.from({ length: 40 }, (_, i) => (0x9e37_79b9 * (i + 1)) >>> 0);

/** A router replica: its store (pushed A and B) and its scheduler with the default profile. */
function replica(clock = createManualClock(1000)) {
  const store = new PoolStore({ clock, staleAfterMs: 2000, expireAfterMs: 10_000 });
  store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
  store.push(snapshot(7, [endpoint(A), endpoint(B)], { observedAt: 900 }));
  const scheduler = createScheduler({ store, random: createSeededRandom(1) });
  return { store, scheduler };
}

type Replica = ReturnType<typeof replica>;

function schedule(r: Replica, hashes: readonly number[]): string {
  const result = r.scheduler.schedule("pool-a", {
    requestId: "r",
    targetModel: "m",
    priority: 0,
    promptTokens: 500,
    maxTokens: 10,
    prefixHashes: [...hashes],
  });
  result.lease?.release();
  return result.endpoints[0]!.address;
}

/** Blocks of `hashes` the replica's index holds for `address`, from the first. */
function held(r: Replica, address: string, hashes: readonly number[]): number {
  return r.scheduler.prefixIndexes[0]!.matchLengths(hashes, [address]).get(address) ?? 0;
}

let sequence = 0n;
function report(from: Replica, now: number, blocksPerSecond: number) {
  const m = peerReportMessage(from.store, "peer-1", now, blocksPerSecond);
  m.sequence = ++sequence;
  return m;
}

function refusal(input: unknown): RouterError {
  try {
    parsePeerReport(input);
  } catch (e) {
    return e as RouterError;
  }
  throw new Error("accepted");
}

const entry = (prefixBlocks: number[]) => ({
  address: A,
  requests: 0,
  tokens: 0n,
  engineSequence: 7n,
  prefixBlocks,
});

describe("peer prefix placements", () => {
  it("teaches a peer where a prompt was placed, so both replicas' indexes hold it on the same pod", () => {
    const [r1, r2] = [replica(), replica()];
    peerReportMessage(r1.store, "peer-1", 0, 1024); // the publisher's first round switches noting on
    const pod = schedule(r1, prompt);
    expect(held(r2, pod, prompt)).toBe(0);
    r2.store.pushPeer(parsePeerReport(report(r1, 1000, 1024)));
    expect(held(r2, pod, prompt)).toBe(prompt.length);
    expect(schedule(r2, prompt)).toBe(pod);
  });

  it("sends each block once, shallowest first, in batches of at most the cap per endpoint per second", () => {
    const r1 = replica();
    peerReportMessage(r1.store, "peer-1", 0, 16);
    const pod = schedule(r1, prompt);
    const blocksOf = (m: ReturnType<typeof report>) =>
      m.pools.flatMap((p) => p.endpoints.filter((e) => e.address === pod).flatMap((e) => e.prefixBlocks));
    // One second's burst first; then whole batches of 16 (or all that waits) as the rate earns them,
    // so an endpoint's entry is not paid for a dribble of blocks.
    expect(blocksOf(report(r1, 0, 16))).toEqual(prompt.slice(0, 16));
    expect(blocksOf(report(r1, 250, 16))).toEqual([]);
    expect(blocksOf(report(r1, 1000, 16))).toEqual(prompt.slice(16, 32));
    expect(blocksOf(report(r1, 1100, 16))).toEqual([]);
    expect(blocksOf(report(r1, 1500, 16))).toEqual(prompt.slice(32));
    expect(blocksOf(report(r1, 4000, 16))).toEqual([]);
    // A placement of a longer prompt with the same start sends only its new blocks.
    const longer = [...prompt, 11, 12];
    expect(schedule(r1, longer)).toBe(pod);
    expect(blocksOf(report(r1, 5000, 16))).toEqual([11, 12]);
  });

  it("never passes a peer's placements on, and sends none with a cap of 0", () => {
    const [r1, r2] = [replica(), replica()];
    peerReportMessage(r1.store, "peer-1", 0, 1024);
    peerReportMessage(r2.store, "peer-2", 0, 1024);
    schedule(r1, prompt);
    r2.store.pushPeer(parsePeerReport(report(r1, 1000, 1024)));
    expect(report(r2, 2000, 1024).pools.flatMap((p) => p.endpoints)).toEqual([]);
    schedule(r1, [1, 2, 3]);
    expect(report(r1, 3000, 0).pools.flatMap((p) => p.endpoints)).toEqual([]);
  });

  it("keeps nothing while no peer report was ever built (a replica without peers)", () => {
    const r1 = replica();
    schedule(r1, prompt);
    expect(report(r1, 1000, 1024).pools.flatMap((p) => p.endpoints)).toEqual([]);
  });

  it("shares a pick made before the first report once the replica was told it shares placements", () => {
    const r1 = replica();
    r1.store.sharePlacements(); // what its peer publisher does when it is made
    schedule(r1, prompt);
    const blocks = report(r1, 1000, 1024).pools.flatMap((p) => p.endpoints.flatMap((e) => e.prefixBlocks));
    expect(blocks.length).toBeGreaterThan(0);
  });

  it("learns only endpoints this replica has, and a refused report teaches nothing", () => {
    const [r1, r2] = [replica(), replica()];
    const m = report(r1, 0, 1024);
    m.pools = [
      { pool: "pool-a", endpoints: [{ ...entry(prompt), address: "10.0.0.9:8000" }] },
    ] as typeof m.pools;
    r2.store.pushPeer(parsePeerReport(m));
    expect(r2.scheduler.prefixIndexes[0]!.size().entries).toBe(0);
    const stale = { ...m, pools: [{ pool: "pool-a", endpoints: [entry(prompt)] }] };
    expect(() => r2.store.pushPeer(parsePeerReport(stale))).toThrow(/is not newer than/);
    expect(held(r2, A, prompt)).toBe(0);
  });

  it("refuses more blocks per endpoint than the limit, naming the field, the count and the limit", () => {
    const max = defaultPeerReportLimits.maxPrefixBlocksPerEndpoint;
    const e = refusal({
      source: "p",
      sequence: 1n,
      pools: [{ pool: "pool-a", endpoints: [entry(new Array(max + 1).fill(1))] }],
    });
    expect(e.code).toBe("BadRequest");
    expect(e.field).toBe("pools[0].endpoints[0].prefixBlocks");
    expect(e.message).toContain(`at most ${max}`);
  });

  it("refuses more blocks in one report than the limit, naming the endpoint that crossed it", () => {
    const limits = { ...defaultPeerReportLimits, maxPrefixBlocksPerEndpoint: 10, maxPrefixBlocks: 15 };
    let e: RouterError | undefined;
    try {
      parsePeerReport(
        {
          source: "p",
          sequence: 1n,
          pools: [
            {
              pool: "pool-a",
              endpoints: [
                entry([1, 2, 3, 4, 5, 6, 7, 8]),
                { ...entry([1, 2, 3, 4, 5, 6, 7, 8]), address: B },
              ],
            },
          ],
        },
        limits,
      );
    } catch (err) {
      e = err as RouterError;
    }
    expect(e?.field).toBe("pools[0].endpoints[1].prefixBlocks");
    expect(e?.message).toContain("8 entries bring the report to 16 prefix blocks, more than the limit of 15");
  });

  it.each([[-1], [2 ** 32], [1.5]])("refuses a block hash that is not a uint32 (%s), naming it", (bad) => {
    const e = refusal({
      source: "p",
      sequence: 1n,
      pools: [{ pool: "pool-a", endpoints: [entry([1, bad])] }],
    });
    expect(e.field).toBe("pools[0].endpoints[0].prefixBlocks[1]");
    expect(e.message).toContain(String(bad));
  });
});
