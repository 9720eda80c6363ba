/**
 * A binary min-heap whose items know their position, so any item leaves in O(log n) (a cancelled
 * or expired request is removed at once, not skipped later). Each heap uses its own position slot
 * on the item, so one item can sit in two heaps (its flow's queue and the expiry heap).
 */

/** Where an item's position in one heap is kept: a numeric property, -1 when not in that heap. */
export type HeapSlot = "flowIndex" | "expiryIndex";

export class IndexedHeap<T extends Record<HeapSlot, number>> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;
  readonly #slot: HeapSlot;

  constructor(less: (a: T, b: T) => boolean, slot: HeapSlot) {
    this.#less = less;
    this.#slot = slot;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** Every item, in heap (not sorted) order. */
  items(): readonly T[] {
    return this.#items;
  }

  push(item: T): void {
    const items = this.#items;
    item[this.#slot] = items.length;
    items.push(item);
    this.#up(items.length - 1);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `item` when it is in this heap; returns whether it was. */
  remove(item: T): boolean {
    const slot = this.#slot;
    const i = item[slot];
    const items = this.#items;
    if (i < 0 || items[i] !== item) return false;
    const last = items.pop()!;
    item[slot] = -1;
    if (i < items.length) {
      items[i] = last;
      last[slot] = i;
      this.#down(i);
      this.#up(last[slot]);
    }
    return true;
  }

  #up(i: number): void {
    const items = this.#items;
    const slot = this.#slot;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.#less(item, p)) break;
      items[i] = p;
      p[slot] = i;
      i = parent;
    }
    items[i] = item;
    item[slot] = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const slot = this.#slot;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.#less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.#less(child, item)) break;
      items[i] = child;
      child[slot] = i;
      i = c;
    }
    items[i] = item;
    item[slot] = i;
  }
}
