/**
 * xxHash32 over a byte range, without allocating: the prefix index hashes every 64-character block of
 * every prompt (up to 256 per request), and js-xxhash's general version builds an accumulator array
 * per call and keeps its state in boxed doubles, which made prompt hashing the largest single item of
 * an ext_proc exchange (16% of its samples, ~4.8 KB of its ~26 KB of garbage; test/bench/README.md,
 * ext_proc). Same algorithm (XXH32, little-endian lanes), in int32 arithmetic with Math.imul;
 * test/scheduling/prefix/xxhash32.test.ts pins it to js-xxhash on every length 0..300 and random seeds.
 */

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function lane(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);
}

/**
 * xxHash32 of `b[start, end)` with `seed` (a uint32, e.g. the previous block's hash); returns a uint32,
 * equal to js-xxhash's `xxHash32(b.subarray(start, end), seed)`.
 *
 * @example
 * xxHash32Range(new TextEncoder().encode("abc"), 0, 3, 0) === xxHash32("abc", 0);
 */
export function xxHash32Range(b: Uint8Array, start: number, end: number, seed: number): number {
  let i = start;
  let acc: number;
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = round(v1, lane(b, i));
      v2 = round(v2, lane(b, i + 4));
      v3 = round(v3, lane(b, i + 8));
      v4 = round(v4, lane(b, i + 12));
      i += 16;
    }
    acc = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    acc = (seed + P5) | 0;
  }
  acc = (acc + (end - start)) | 0;
  while (i + 4 <= end) {
    acc = Math.imul(rotl((acc + Math.imul(lane(b, i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < end) {
    acc = Math.imul(rotl((acc + Math.imul(b[i]!, P5)) | 0, 11), P1);
    i++;
  }
  acc ^= acc >>> 15;
  acc = Math.imul(acc, P2);
  acc ^= acc >>> 13;
  acc = Math.imul(acc, P3);
  acc ^= acc >>> 16;
  return acc >>> 0;
}
