/**
 * How a block hash is stored and placed in a {@link BlockTable}: a 27-bit fingerprint (the other 5 bits
 * of a slot hold its age) and a home slot from a multiplicative mix.
 */

/** Bits of the fingerprint kept per slot. */
export const FP_BITS = 27;
/** Mask of the fingerprint bits. */
export const FP_MASK = (1 << FP_BITS) - 1;
const GOLDEN = 0x9e3779b1;
/** 2^-24: turns 24 mixed bits times a table size into a slot index. */
export const INV_2_24 = 1 / 16_777_216;

/** The stored key for a block hash: its low 27 bits, never 0 (0 marks an empty slot). */
export function fingerprintOf(hash: number): number {
  return hash & FP_MASK || 1;
}

/** Block hashes turned into fingerprints and mixed home bits, ready to probe any table. */
export interface PreparedBlocks {
  fingerprints: Int32Array;
  /** 24 mixed bits per block; the home slot in a table of n slots is floor(mix * n / 2^24). */
  mixes: Int32Array;
  /** Blocks in use (the arrays may be longer: they are reused). */
  count: number;
}

/** Fills (or grows) `into` with the fingerprints and mixes of `hashes`. */
export function prepareBlocks(hashes: readonly number[], into?: PreparedBlocks): PreparedBlocks {
  let out = into;
  if (out === undefined || out.fingerprints.length < hashes.length) {
    const size = Math.max(hashes.length, 64);
    out = { fingerprints: new Int32Array(size), mixes: new Int32Array(size), count: 0 };
  }
  for (let k = 0; k < hashes.length; k++) {
    const fp = fingerprintOf(hashes[k] ?? 0);
    out.fingerprints[k] = fp;
    out.mixes[k] = Math.imul(fp, GOLDEN) >>> 8;
  }
  out.count = hashes.length;
  return out;
}

/**
 * Home slot of a fingerprint in a table of `n` slots: a multiplicative mix, then a range reduction by
 * multiplication (24 bits × n stays exact in a double; `%` on a uint32 would compile to a slow fmod).
 */
export function homeOf(fp: number, n: number): number {
  return ((Math.imul(fp, GOLDEN) >>> 8) * n * INV_2_24) | 0;
}
