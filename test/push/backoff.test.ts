import { describe, expect, it } from "vitest";
import { createSeededRandom, type Random } from "../../src/core/random.js";
import { backoffDelay, backoffForInterval, defaultBackoff } from "../../src/push/backoff.js";

const fixed = (v: number): Random => ({ next: () => v });

describe("backoffDelay", () => {
  it("doubles per consecutive failure from the initial delay", () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, fixed(0.999999)))).toEqual([200, 400, 800, 1600]);
  });

  it("never exceeds the cap however many failures there were", () => {
    expect(backoffDelay(50, fixed(0.999999))).toBe(defaultBackoff.maxMs);
    expect(backoffDelay(5000, fixed(0.999999))).toBe(defaultBackoff.maxMs);
  });

  it("randomises the upper half only (equal jitter)", () => {
    const rng = createSeededRandom(7);
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, rng));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });

  it("honours custom options", () => {
    const opts = { initialMs: 50, maxMs: 300, factor: 3, jitter: 0 };
    expect([1, 2, 3].map((a) => backoffDelay(a, fixed(0.5), opts))).toEqual([50, 150, 300]);
  });
});

describe("backoffForInterval", () => {
  it("starts at two periods and caps at the limit", () => {
    const opts = backoffForInterval(100, 5000);
    expect([1, 2, 6, 7].map((a) => backoffDelay(a, fixed(0.999999), opts))).toEqual([200, 400, 5000, 5000]);
  });

  it("never retries sooner than one period for a slow producer", () => {
    expect(backoffForInterval(30_000, 10_000)).toMatchObject({ initialMs: 30_000, maxMs: 30_000 });
  });
});
