/**
 * One endpoint's remembered prompt blocks: an open-addressing hash set over a Int32Array with an
 * approximate-LRU eviction, so a full endpoint costs ~5.3 bytes per block instead of ~80+ for a Map.
 *
 * Each slot packs a 27-bit fingerprint of the block hash (0 = empty) and a 5-bit age (the epoch of
 * the last insert or touch). Epochs advance every `capacity / 16` operations, so 16 epochs span one
 * table's worth of records; a sweep clamps ages older than 24 epochs so the 5-bit counter never wraps.
 * When full, an insert evicts the oldest of the next {@link EVICTION_SAMPLE} occupied slots after a
 * moving hand (sampled LRU, as Redis does). Deletion uses backward-shift, so there are no tombstones.
 */

import { FP_BITS, FP_MASK, fingerprintOf, homeOf, INV_2_24, type PreparedBlocks } from "./block-keys.js";

const AGE_MASK = 31;
/** Ages older than this (in epochs) are clamped to it when the hand passes, keeping 5 bits enough. */
const AGE_CLAMP = 24;
/** Epochs per table's worth of inserts. */
const EPOCHS_PER_CAPACITY = 16;
/** Occupied slots inspected per eviction; tables of at most this many entries evict exactly the oldest. */
export const EVICTION_SAMPLE = 8;
/** Highest fill of the slot array: linear probing stays short (~8.5 slots for a miss) up to here. */
export const MAX_LOAD = 0.75;
/** Slots of a new table; it doubles as it fills, up to capacity / MAX_LOAD. */
const INITIAL_SLOTS = 256;

/** A bounded set of block fingerprints with approximate-LRU eviction. */
export class BlockTable {
  readonly capacity: number;
  #maxSlots: number;
  #slots: Int32Array;
  #count = 0;
  #epoch = 0;
  #opsThisEpoch = 0;
  #opsPerEpoch: number;
  #hand = 0;
  #sweep = 0;

  /** @param capacity most entries held (>= 1). */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#maxSlots = Math.ceil(capacity / MAX_LOAD) + 1;
    this.#slots = new Int32Array(Math.min(this.#maxSlots, INITIAL_SLOTS));
    this.#opsPerEpoch = Math.max(1, Math.ceil(capacity / EPOCHS_PER_CAPACITY));
  }

  /** Entries held. */
  get count(): number {
    return this.#count;
  }

  /** Bytes of the slot array. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  /** Whether the block hash is held (fingerprint match: false positives ~ 2^-27 per probe). */
  has(hash: number): boolean {
    return this.#find(fingerprintOf(hash)) >= 0;
  }

  /**
   * How many blocks, from the first, are held: stops at the first miss. Takes blocks prepared once per
   * prompt by {@link prepareBlocks}, so a walk over many tables does not redo the hashing arithmetic.
   */
  matchLength(blocks: PreparedBlocks): number {
    const slots = this.#slots;
    const n = slots.length;
    const { fingerprints, mixes, count } = blocks;
    let matched = 0;
    for (; matched < count; matched++) {
      const fp = fingerprints[matched] ?? 0;
      let i = ((mixes[matched] ?? 0) * n * INV_2_24) | 0;
      for (;;) {
        const s = slots[i] ?? 0;
        if (s === 0) return matched;
        if ((s & FP_MASK) === fp) break;
        i = i + 1 === n ? 0 : i + 1;
      }
    }
    return matched;
  }

  /** Inserts the block or refreshes its age; evicts an old entry when the table is full. */
  touch(hash: number): void {
    this.#tick();
    const fp = fingerprintOf(hash);
    const at = this.#find(fp);
    if (at >= 0) {
      this.#slots[at] = fp | (this.#epoch << FP_BITS);
      return;
    }
    if (this.#count >= this.capacity) this.#evictOne();
    else if (this.#count + 1 > this.#slots.length * MAX_LOAD && this.#slots.length < this.#maxSlots) {
      this.#resize(Math.min(this.#maxSlots, this.#slots.length * 2));
    }
    this.#place(fp | (this.#epoch << FP_BITS));
    this.#count++;
  }

  /** Counts one operation; on a new epoch, clamps the ages of the next quarter of the slots. */
  #tick(): void {
    if (++this.#opsThisEpoch < this.#opsPerEpoch) return;
    this.#opsThisEpoch = 0;
    const epoch = (this.#epoch + 1) & AGE_MASK;
    this.#epoch = epoch;
    // A full sweep every 4 epochs keeps every age <= AGE_CLAMP + 4 < 32, so ages never wrap around.
    const slots = this.#slots;
    const n = slots.length;
    const oldest = ((epoch - AGE_CLAMP) & AGE_MASK) << FP_BITS;
    let i = this.#sweep;
    for (let k = Math.ceil(n / 4); k > 0; k--) {
      const s = slots[i] ?? 0;
      if (s !== 0 && ((epoch - (s >>> FP_BITS)) & AGE_MASK) > AGE_CLAMP) slots[i] = (s & FP_MASK) | oldest;
      i = i + 1 === n ? 0 : i + 1;
    }
    this.#sweep = i;
  }

  #find(fp: number): number {
    const slots = this.#slots;
    const n = slots.length;
    let i = homeOf(fp, n);
    for (;;) {
      const s = slots[i] ?? 0;
      if (s === 0) return -1;
      if ((s & FP_MASK) === fp) return i;
      i = i + 1 === n ? 0 : i + 1;
    }
  }

  #place(value: number): void {
    const slots = this.#slots;
    const n = slots.length;
    let i = homeOf(value & FP_MASK, n);
    while (slots[i] !== 0) i = i + 1 === n ? 0 : i + 1;
    slots[i] = value;
  }

  #resize(size: number): void {
    const old = this.#slots;
    this.#slots = new Int32Array(size);
    for (const s of old) if (s !== 0) this.#place(s);
    this.#hand = 0;
    this.#sweep = 0;
  }

  /** Sampled LRU: the oldest of the next EVICTION_SAMPLE occupied slots after the hand goes. */
  #evictOne(): void {
    const slots = this.#slots;
    const n = slots.length;
    const epoch = this.#epoch;
    let victim = -1;
    let victimAge = -1;
    let seen = 0;
    let i = this.#hand;
    for (let scanned = 0; scanned < n && seen < EVICTION_SAMPLE; scanned++) {
      const s = slots[i] ?? 0;
      if (s !== 0) {
        seen++;
        const age = (epoch - (s >>> FP_BITS)) & AGE_MASK;
        if (age > victimAge) {
          victimAge = age;
          victim = i;
        }
      }
      i = i + 1 === n ? 0 : i + 1;
    }
    this.#hand = i;
    if (victim >= 0) this.#delete(victim);
  }

  /** Backward-shift deletion: pulls later members of the probe run back so lookups never miss them. */
  #delete(at: number): void {
    const slots = this.#slots;
    const n = slots.length;
    let hole = at;
    let j = at;
    for (;;) {
      j = j + 1 === n ? 0 : j + 1;
      const s = slots[j] ?? 0;
      if (s === 0) break;
      const home = homeOf(s & FP_MASK, n);
      // Move s into the hole when its home is not cyclically within (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        slots[hole] = s;
        hole = j;
      }
    }
    slots[hole] = 0;
    this.#count--;
  }
}
