import { describe, expect, it } from "vitest";
import { createEdgeApp } from "../../src/edge/edge-app.js";
import { edgeConfigFromEnv } from "../../src/edge/edge-config.js";
import { createMemoryBackend } from "../../src/edge/region-backend.js";
import { RegionDirectory } from "../../src/edge/region-directory.js";
import { MAX_SESSION_BATCH, SessionDirectory } from "../../src/edge/session-directory.js";
import { type SessionBackend, StickySessions } from "../../src/edge/sticky-sessions.js";
import { FRANKFURT, region, summary, VIRGINIA } from "./fixtures.js";

describe("SessionDirectory (the Durable Object's table)", () => {
  it("answers the regions of known sessions and reports what storage must write and delete", () => {
    const d = new SessionDirectory(2, 1000);
    const first = d.record(
      {
        entries: [
          { key: "s:a", region: "eu" },
          { key: "s:b", region: "us" },
        ],
      },
      0,
    );
    expect(first).toMatchObject({
      ok: true,
      recorded: 2,
      changes: { written: [{ key: "s:a" }, { key: "s:b" }], removed: [] },
    });
    const third = d.record({ entries: [{ key: "p:0011aabb", region: "asia" }] }, 10);
    expect(third.changes?.removed).toEqual(["s:a"]);
    expect(d.lookup({ keys: ["s:a", "s:b", "p:0011aabb"] }, 20)).toEqual({
      ok: true,
      hits: [
        { key: "s:b", region: "us", at: 0 },
        { key: "p:0011aabb", region: "asia", at: 10 },
      ],
    });
    // s:b expires at 1000 and p:… at 1010; the next write sweeps them out of storage too.
    expect(d.lookup({ keys: ["s:b"] }, 1000)).toEqual({ ok: true, hits: [] });
    expect(d.record({ entries: [{ key: "s:c", region: "eu" }] }, 1005).changes?.removed).toEqual(["s:b"]);
    expect(d.record({ entries: [{ key: "s:d", region: "eu" }] }, 1011).changes?.removed).toEqual([
      "p:0011aabb",
    ]);
    expect(d.size).toBe(2);
  });

  it("refuses a malformed batch naming the field, and changes nothing", () => {
    const d = new SessionDirectory(10, 1000);
    d.record({ entries: [{ key: "s:kept", region: "eu" }] }, 0);
    const bad = [
      [
        {
          entries: [
            { key: "s:x", region: "us" },
            { key: "s:kept", region: "not a region!" },
          ],
        },
        "entries[1].region",
      ],
      [{ entries: [{ key: "x:nope", region: "us" }] }, "entries[0].key"],
      [{ entries: [{ key: `s:${"x".repeat(300)}`, region: "us" }] }, "entries[0].key"],
      [{ entries: [] }, "entries"],
      [
        {
          entries: Array.from({ length: MAX_SESSION_BATCH + 1 }, (_, i) => ({ key: `s:${i}`, region: "us" })),
        },
        "entries",
      ],
      [{ entries: [{ key: "s:x", region: "us", extra: 1 }] }, "entries[0]"],
      [null, ""],
    ] as const;
    for (const [input, field] of bad) {
      const outcome = d.record(input, 5);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        expect(outcome.code).toBe("BadRequest");
        expect(outcome.message).toContain(field);
      }
    }
    expect(d.lookup({ keys: ["s:kept", "s:x"] }, 5)).toEqual({
      ok: true,
      hits: [{ key: "s:kept", region: "eu", at: 0 }],
    });
    expect(d.size).toBe(1);
    const lookup = d.lookup({ keys: ["s:kept", 7] }, 5);
    expect(lookup).toMatchObject({ ok: false, code: "BadRequest" });
    if (!lookup.ok) expect(lookup.message).toContain("keys[1]");
  });
});

/** A session backend over a SessionDirectory that counts calls. */
function countingBackend(now: () => number) {
  const d = new SessionDirectory(100, 600_000);
  const calls = { lookups: [] as string[][], records: [] as string[][], failRecords: false };
  const backend: SessionBackend = {
    lookupSessions: async (input) => {
      calls.lookups.push([...input.keys]);
      return d.lookup(input, now());
    },
    recordSessions: async (input) => {
      calls.records.push(input.entries.map((e) => `${e.key}=${e.region}`));
      if (calls.failRecords) throw new Error("DO unreachable");
      return d.record(input, now());
    },
  };
  return { backend, calls };
}

describe("StickySessions (an isolate's view)", () => {
  it("batches the misses of one turn into one lookup and answers from its cache within SESSION_CACHE_MS", async () => {
    let t = 0;
    const { backend, calls } = countingBackend(() => t);
    await backend.recordSessions({ entries: [{ key: "s:a", region: "eu" }] });
    const s = new StickySessions({ backend, capacity: 100, cacheMs: 1000, ttlMs: 600_000, now: () => t });
    expect(await Promise.all([s.regionOf("s:a"), s.regionOf("s:b"), s.regionOf("s:a")])).toEqual([
      "eu",
      undefined,
      "eu",
    ]);
    expect(calls.lookups).toEqual([["s:a", "s:b"]]);
    t = 999;
    expect(await s.regionOf("s:a")).toBe("eu");
    expect(await s.regionOf("s:b")).toBeUndefined();
    expect(calls.lookups).toHaveLength(1);
    t = 1000;
    await s.regionOf("s:a");
    expect(calls.lookups).toHaveLength(2);
  });

  it("tells the Durable Object only of new and moved sessions, and re-tells one in use after half its TTL", async () => {
    let t = 0;
    const { backend, calls } = countingBackend(() => t);
    const s = new StickySessions({ backend, capacity: 100, cacheMs: 1000, ttlMs: 10_000, now: () => t });
    expect(await s.regionOf("s:a")).toBeUndefined();
    const first = s.served("s:a", "eu");
    expect(first).toBeInstanceOf(Promise);
    expect(s.served("s:b", "us")).toBe(first); // one write for the turn
    await first;
    expect(calls.records).toEqual([["s:a=eu", "s:b=us"]]);
    t = 100;
    expect(s.served("s:a", "eu")).toBeUndefined();
    await s.served("s:a", "us");
    expect(calls.records.at(-1)).toEqual(["s:a=us"]);
    t = 5100;
    await s.served("s:a", "us");
    expect(calls.records).toHaveLength(3);
    // A failed write is forgotten: the next success writes again.
    calls.failRecords = true;
    await s.served("s:c", "eu");
    calls.failRecords = false;
    await s.served("s:c", "eu");
    expect(calls.records.slice(-2)).toEqual([["s:c=eu"], ["s:c=eu"]]);
  });

  it("routes without stickiness when the Durable Object cannot answer", async () => {
    const backend: SessionBackend = {
      lookupSessions: () => Promise.reject(new Error("DO unreachable")),
      recordSessions: () => Promise.reject(new Error("DO unreachable")),
    };
    const s = new StickySessions({ backend, capacity: 100, cacheMs: 1000, ttlMs: 600_000, now: () => 0 });
    expect(await s.regionOf("s:a")).toBeUndefined();
    await s.served("s:a", "eu");
    expect(s.size).toBe(0);
  });
});

describe("two isolates against one Durable Object", () => {
  it("route a session served in one region by the first isolate to that region from the second", async () => {
    let now = 1_000_000;
    // The EU region is saturated: the session starts in the US.
    const directory = new RegionDirectory([
      region("eu", {
        location: FRANKFURT,
        models: [summary("llama", { saturation: 1, freeCapacity: 0 })],
        receivedAt: now,
      }),
      region("us", { location: VIRGINIA, receivedAt: now }),
    ]);
    const backend = createMemoryBackend(directory, new SessionDirectory(100, 600_000), () => now);
    const isolate = () =>
      createEdgeApp({
        config: edgeConfigFromEnv({}),
        backend,
        cf: () => ({ colo: "FRA", continent: "EU", latitude: "50.11", longitude: "8.68" }),
        fetch: async (r) => new Response(JSON.stringify({ by: new URL(r.url).host }), { status: 200 }),
        now: () => now,
      });
    const chat = (app: ReturnType<typeof isolate>, session: string) =>
      app.app.fetch(
        new Request("https://edge.test/v1/chat/completions", {
          method: "POST",
          headers: { "content-type": "application/json", "x-session-id": session },
          body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "Hi" }] }),
        }),
      );
    const a = isolate();
    expect((await chat(a, "A")).headers.get("x-edge-region")).toBe("us");
    await a.sessions.settled();
    // EU recovers; a second isolate, which never saw session A, still sends it to the US.
    now += 10;
    directory.apply(region("eu", { location: FRANKFURT, sequence: 2n, receivedAt: now }));
    const b = isolate();
    expect((await chat(b, "B")).headers.get("x-edge-region")).toBe("eu");
    expect((await chat(b, "A")).headers.get("x-edge-region")).toBe("us");
  });
});
