import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/core/random.js";
import { createConnectionPool } from "../bench/quality/connection-pool.js";

describe("the kubernetes-service client's connection pool", () => {
  it("binds each of K connections to one endpoint and sends requests over the connections in turn", () => {
    const pool = createConnectionPool({ connections: 3, endpoints: 10, random: createSeededRandom(1) });
    const bound = [...pool.bindings];
    expect(bound).toHaveLength(3);
    const picks = Array.from({ length: 9 }, (_, i) => pool.pick(i * 10));
    expect(picks).toEqual([...bound, ...bound, ...bound]);
    expect(pool.bindings).toEqual(bound);
  });

  it("never reaches more endpoints than it has connections, however long it runs", () => {
    const pool = createConnectionPool({ connections: 4, endpoints: 50, random: createSeededRandom(2) });
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(pool.pick(i));
    expect(seen.size).toBeLessThanOrEqual(4);
  });

  it("draws every endpoint uniformly across many pools (kube-proxy's random choice)", () => {
    const random = createSeededRandom(3);
    const counts = new Array<number>(5).fill(0);
    for (let p = 0; p < 2_000; p++) {
      for (const e of createConnectionPool({ connections: 8, endpoints: 5, random }).bindings) counts[e]!++;
    }
    for (const c of counts) expect(c / 16_000).toBeCloseTo(0.2, 1);
  });

  it("rebinds a connection at random once its lifetime is over", () => {
    const pool = createConnectionPool({
      connections: 1,
      endpoints: 1_000,
      random: createSeededRandom(4),
      lifetimeMs: 100,
    });
    const first = pool.pick(0);
    expect(pool.pick(99)).toBe(first);
    const seen = new Set([first]);
    for (let t = 100; t < 2_000; t += 100) seen.add(pool.pick(t));
    expect(seen.size).toBeGreaterThan(10);
  });

  it("refuses a pool without connections, naming the option", () => {
    expect(() =>
      createConnectionPool({ connections: 0, endpoints: 3, random: createSeededRandom(1) }),
    ).toThrow(/connections: 0/);
    expect(() =>
      createConnectionPool({ connections: 2.5, endpoints: 3, random: createSeededRandom(1) }),
    ).toThrow(/connections: 2.5/);
  });
});
