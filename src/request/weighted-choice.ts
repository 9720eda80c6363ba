/** Weighted random choice over a short list (model splits, rewrite targets), with injected randomness. */
import type { Random } from "../core/random.js";

/**
 * Picks one item with probability weight / total. Items with weight <= 0 are never picked unless
 * every weight is <= 0, in which case the first item is returned. Undefined for an empty list.
 *
 * @example
 * pickWeighted([{ model: "v1", weight: 90 }, { model: "v2", weight: 10 }], random); // v1 about 90% of the time
 */
export function pickWeighted<T extends { weight: number }>(
  items: readonly T[],
  random: Random,
): T | undefined {
  if (items.length <= 1) return items[0];
  let total = 0;
  for (const item of items) if (item.weight > 0) total += item.weight;
  if (total <= 0) return items[0];
  let r = random.next() * total;
  let last: T | undefined;
  for (const item of items) {
    if (item.weight <= 0) continue;
    last = item;
    r -= item.weight;
    if (r < 0) return item;
  }
  return last;
}
