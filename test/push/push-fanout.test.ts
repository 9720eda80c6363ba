import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createPushFanout } from "../../src/push/push-fanout.js";
import type { PushSend } from "../../src/push/push-loop.js";
import { parsePushTargets, resolvePushTargets } from "../../src/push/push-targets.js";
import { watchTargets } from "../../src/push/target-watch.js";
import { createManualTimers } from "../../src/push/timers.js";

type Msg = { sequence: bigint; n: number };

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

describe("parsePushTargets", () => {
  it("reads a comma-separated list, telling literal addresses from names to resolve", () => {
    expect(parsePushTargets("http://10.0.0.1:9004/, http://router-peers.ns.svc:9004", "push")).toEqual([
      { url: "http://10.0.0.1:9004" },
      { url: "http://router-peers.ns.svc:9004", hostname: "router-peers.ns.svc" },
    ]);
    expect(parsePushTargets("http://[fd00::1]:9004", "push")).toEqual([{ url: "http://[fd00::1]:9004" }]);
  });

  it("refuses a bad entry naming the flag and the entry", () => {
    expect(() => parsePushTargets("http://a:1,ftp://b", "peers")).toThrow(
      '--peers: "ftp://b" must be an http:// or https:// URL',
    );
    expect(() => parsePushTargets("nonsense", "push")).toThrow('--push: "nonsense" is not a URL');
    expect(() => parsePushTargets(" , ", "push")).toThrow("names no URL");
    expect(() => parsePushTargets("http://a:1,http://a:1/", "push")).toThrow("is listed twice");
  });
});

describe("resolvePushTargets", () => {
  const specs = parsePushTargets("http://10.0.0.9:9004,https://routers:9004", "push");

  it("turns a name into one target per address, keeping the name for TLS", async () => {
    const targets = await resolvePushTargets(specs, async () => ["10.0.0.2", "10.0.0.1", "fd00::3"]);
    expect(targets).toEqual([
      { key: "http://10.0.0.9:9004", url: "http://10.0.0.9:9004" },
      { key: "https://10.0.0.1:9004", url: "https://10.0.0.1:9004", servername: "routers" },
      { key: "https://10.0.0.2:9004", url: "https://10.0.0.2:9004", servername: "routers" },
      { key: "https://[fd00::3]:9004", url: "https://[fd00::3]:9004", servername: "routers" },
    ]);
  });

  it("keeps a name's previous targets when its lookup fails", async () => {
    const before = await resolvePushTargets(specs, async () => ["10.0.0.1"]);
    const errors: string[] = [];
    const after = await resolvePushTargets(
      specs,
      async () => {
        throw new Error("ENOTFOUND");
      },
      before,
      (host) => errors.push(host),
    );
    expect(after).toEqual(before);
    expect(errors).toEqual(["routers"]);
  });

  it("uses names as they are without a resolver", async () => {
    expect((await resolvePushTargets(specs, undefined)).map((t) => t.url)).toEqual([
      "http://10.0.0.9:9004",
      "https://routers:9004",
    ]);
  });
});

describe("createPushFanout", () => {
  function harness(addresses: string[][]) {
    const clock = createManualClock(1_764_144_000_000);
    const timers = createManualTimers(clock);
    let lookups = 0;
    const watch = watchTargets({
      specs: parsePushTargets("http://routers:9004", "push"),
      resolve: async () => addresses[Math.min(lookups++, addresses.length - 1)]!,
      resolveIntervalMs: 5000,
      timers,
    });
    const sent = new Map<string, Msg[]>();
    const down = new Set<string>();
    let produced = 0;
    const fanout = createPushFanout<Msg>({
      targets: watch,
      sendTo: (t): PushSend<Msg> => ({
        mode: "unary",
        async push(m) {
          if (down.has(t.url)) throw new ConnectError("connect ECONNREFUSED", Code.Unavailable);
          sent.set(t.url, [...(sent.get(t.url) ?? []), m]);
        },
      }),
      produce: () => ({ sequence: 0n, n: ++produced }),
      intervalMs: 100,
      timeoutMs: 50,
      clock,
      random: createSeededRandom(1),
      timers,
    });
    const run = async (ms: number) => {
      timers.advance(ms);
      await flush();
    };
    return { watch, fanout, sent, down, run, produced: () => produced };
  }

  it("pushes the same message, with the same sequence, to every replica, producing once per round", async () => {
    const h = harness([["10.0.0.1", "10.0.0.2"]]);
    await h.watch.ready;
    h.fanout.start();
    await h.run(0);
    await h.run(100);
    await h.run(100);
    const a = h.sent.get("http://10.0.0.1:9004")!;
    const b = h.sent.get("http://10.0.0.2:9004")!;
    expect(a.length).toBe(3);
    expect(a).toEqual(b);
    expect(h.produced()).toBe(3);
    expect(a[1]!.sequence > a[0]!.sequence).toBe(true);
    await h.fanout.close();
  });

  it("backs off per replica: one that is down does not slow the others", async () => {
    const h = harness([["10.0.0.1", "10.0.0.2"]]);
    await h.watch.ready;
    h.down.add("http://10.0.0.2:9004");
    h.fanout.start();
    await h.run(0);
    for (let i = 0; i < 10; i++) await h.run(100);
    expect(h.sent.get("http://10.0.0.1:9004")!.length).toBe(11);
    expect(h.sent.get("http://10.0.0.2:9004")).toBeUndefined();
    const loops = h.fanout.loops();
    expect(loops.get("http://10.0.0.2:9004")!.stats.consecutiveFailures).toBeGreaterThan(1);
    expect(loops.get("http://10.0.0.2:9004")!.stats.consecutiveFailures).toBeLessThan(10);
    expect(h.fanout.stats.consecutiveFailures).toBe(0);
    await h.fanout.close();
  });

  it("starts pushing to a replica that joins (a full snapshot first) and stops for one that leaves", async () => {
    const h = harness([["10.0.0.1"], ["10.0.0.2"]]);
    await h.watch.ready;
    h.fanout.start();
    await h.run(0);
    expect([...h.fanout.loops().keys()]).toEqual(["http://10.0.0.1:9004"]);
    await h.run(5000);
    expect([...h.fanout.loops().keys()]).toEqual(["http://10.0.0.2:9004"]);
    const before = h.sent.get("http://10.0.0.1:9004")!.length;
    for (let i = 0; i < 5; i++) await h.run(100);
    expect(h.sent.get("http://10.0.0.1:9004")!.length).toBe(before);
    const joined = h.sent.get("http://10.0.0.2:9004")!;
    expect(joined.length).toBeGreaterThan(1);
    // The joiner's first push carries the producer's whole state, numbered after everything sent before.
    expect(joined[0]!.sequence > h.sent.get("http://10.0.0.1:9004")!.at(-1)!.sequence).toBe(true);
    await h.fanout.close();
  });
});
