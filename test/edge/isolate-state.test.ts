import { describe, expect, it } from "vitest";
import { DirectoryCache } from "../../src/edge/directory-cache.js";
import { sessionKeyFor } from "../../src/edge/session-key.js";
import { SessionTable } from "../../src/edge/session-table.js";
import { region } from "./fixtures.js";

describe("DirectoryCache", () => {
  it("loads once per TTL, shares concurrent loads and keeps the old copy when a load fails", async () => {
    let t = 0;
    let loads = 0;
    let fail = false;
    const cache = new DirectoryCache(
      async () => {
        loads++;
        if (fail) throw new Error("DO unreachable");
        return [region(`r${loads}`)];
      },
      1000,
      () => t,
    );
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(loads).toBe(1);
    expect(a).toBe(b);
    t = 999;
    await cache.get();
    expect(loads).toBe(1);
    t = 1000;
    expect((await cache.get())[0]?.region).toBe("r2");
    fail = true;
    t = 5000;
    expect((await cache.get())[0]?.region).toBe("r2");
    cache.invalidate();
    await expect(cache.get()).rejects.toThrow("DO unreachable");
  });
});

describe("sessions", () => {
  it("key on the session header first, else on the prompt's first blocks", () => {
    expect(sessionKeyFor(" abc ", ["x".repeat(100)], "m")).toBe("s:abc");
    const long = "You are a helpful assistant. ".repeat(20);
    const k1 = sessionKeyFor(null, [long, "question one"], "m");
    const k2 = sessionKeyFor(null, [long, "question two"], "m");
    expect(k1).toMatch(/^p:[0-9a-f]{8}$/);
    expect(k1).toBe(k2);
    expect(sessionKeyFor(null, [long], "other-model")).not.toBe(k1);
    expect(sessionKeyFor(null, ["short"], "m")).toBeUndefined();
  });

  it("forget the least recently written session past capacity, and any session past its TTL", () => {
    const t = new SessionTable<string>(2, 1000);
    expect(t.set("a", "eu", 0)).toEqual([]);
    t.set("b", "us", 10);
    t.set("a", "eu", 20); // a rewrite makes "a" the newest
    expect(t.set("c", "asia", 30)).toEqual(["b"]);
    expect(t.get("b", 30)).toBeUndefined();
    expect(t.get("a", 30)?.value).toBe("eu");
    expect(t.size).toBe(2);
    expect(t.get("a", 1019)?.value).toBe("eu");
    expect(t.get("a", 1020)).toBeUndefined();
    expect(t.expire(1030)).toEqual(["a", "c"]);
    expect(t.size).toBe(0);
    const off = new SessionTable<string>(0, 1000);
    off.set("a", "eu", 0);
    expect(off.get("a", 0)).toBeUndefined();
  });
});
