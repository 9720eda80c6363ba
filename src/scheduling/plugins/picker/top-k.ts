/**
 * Top-k selection with random tie-breaks, without sorting the whole candidate list: O(n x k) with
 * k <= a handful. Each candidate draws one random key; equal values are ordered by key, so every
 * tied endpoint is equally likely to win.
 */
import type { Random } from "../../../core/random.js";
import type { Endpoint } from "../../../state/types.js";

export class TopK {
  readonly k: number;
  #idx: Int32Array;
  #val: Float64Array;
  #key: Float64Array;

  constructor(k: number) {
    this.k = k;
    this.#idx = new Int32Array(k);
    this.#val = new Float64Array(k);
    this.#key = new Float64Array(k);
  }

  /** The (at most k) endpoints with the highest `values[i]`, best first. */
  highest(endpoints: readonly Endpoint[], values: Float64Array, random: Random): Endpoint[] {
    const n = endpoints.length;
    const k = Math.min(this.k, n);
    const idx = this.#idx;
    const val = this.#val;
    const key = this.#key;
    let filled = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      const r = random.next();
      if (filled === k) {
        const lv = val[k - 1]!;
        if (v < lv || (v === lv && r <= key[k - 1]!)) continue;
      }
      // Insertion into the sorted prefix, dropping the last when full.
      let j = filled < k ? filled++ : k - 1;
      while (j > 0 && (val[j - 1]! < v || (val[j - 1] === v && key[j - 1]! < r))) {
        idx[j] = idx[j - 1]!;
        val[j] = val[j - 1]!;
        key[j] = key[j - 1]!;
        j--;
      }
      idx[j] = i;
      val[j] = v;
      key[j] = r;
    }
    const out = new Array<Endpoint>(filled);
    for (let j = 0; j < filled; j++) out[j] = endpoints[idx[j]!]!;
    return out;
  }
}
