import { xxHash32 } from "js-xxhash";
import { describe, expect, it } from "vitest";
import { xxHash32Range } from "../../../src/scheduling/prefix/xxhash32.js";

/** A small seeded generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("xxHash32Range (the prefix index's allocation-free hash)", () => {
  it("equals js-xxhash on every length 0..300, at several offsets and seeds", () => {
    const next = rng(17);
    const bytes = Uint8Array.from({ length: 340 }, () => Math.floor(next() * 256));
    const seeds = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x9e3779b1];
    for (let n = 0; n <= 300; n++) {
      for (const start of [0, 1, 3, 37]) {
        for (const seed of seeds) {
          const want = xxHash32(bytes.subarray(start, start + n), seed);
          expect(xxHash32Range(bytes, start, start + n, seed), `n=${n} start=${start} seed=${seed}`).toBe(
            want,
          );
        }
      }
    }
  });

  it("equals js-xxhash on known text, chained the way the prefix index chains blocks", () => {
    const enc = new TextEncoder();
    const text = enc.encode("You are a helpful assistant. ".repeat(20));
    let a = xxHash32(enc.encode("llama-3-8b"), 0);
    let b = xxHash32Range(enc.encode("llama-3-8b"), 0, 10, 0);
    for (let at = 0; at + 64 <= text.length; at += 64) {
      a = xxHash32(text.subarray(at, at + 64), a);
      b = xxHash32Range(text, at, at + 64, b);
      expect(b).toBe(a);
    }
    expect(xxHash32Range(enc.encode("abc"), 0, 3, 0)).toBe(xxHash32("abc", 0));
  });
});
