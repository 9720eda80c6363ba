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

  it("forget the least recently used session past capacity", () => {
    const t = new SessionTable(2);
    t.set("a", "eu");
    t.set("b", "us");
    expect(t.get("a")).toBe("eu");
    t.set("c", "asia");
    expect(t.get("b")).toBeUndefined();
    expect(t.get("a")).toBe("eu");
    expect(t.size).toBe(2);
    const off = new SessionTable(0);
    off.set("a", "eu");
    expect(off.get("a")).toBeUndefined();
  });
});
