import { describe, expect, it } from "vitest";
import { nextSequence } from "../../src/push/sequence.js";

describe("nextSequence", () => {
  it("starts from the wall clock so a restarted agent outranks its earlier pushes", () => {
    const first = nextSequence(undefined, 1_764_144_000_000);
    let s = first;
    for (let i = 0; i < 10_000; i++) s = nextSequence(s, 1_764_144_000_000 + i * 0.01);
    const afterRestart = nextSequence(undefined, 1_764_144_000_000 + 1000);
    expect(afterRestart > s).toBe(true);
  });

  it("is strictly increasing when the clock stands still or steps back", () => {
    const a = nextSequence(undefined, 5000);
    const b = nextSequence(a, 5000);
    const c = nextSequence(b, 1000);
    expect([a, b, c]).toEqual([5_000_000n, 5_000_001n, 5_000_002n]);
  });

  it("follows the clock when it moves on", () => {
    expect(nextSequence(5_000_002n, 5100)).toBe(5_100_000n);
  });
});
