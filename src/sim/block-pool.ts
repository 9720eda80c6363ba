/**
 * The KV cache as vLLM's block pool: fixed-size blocks, reference-counted while sequences use them,
 * with automatic prefix caching. A full prompt block is registered under its chained key; when its
 * last user lets go it stays cached in the free queue and is evicted (LRU) only when an allocation
 * needs the space. Everything is typed arrays and a doubly linked free queue: O(1) per block.
 */

const NONE = -1;

/**
 * @example
 * const pool = new BlockPool(1000);
 * const b = pool.allocate();
 * pool.register(b, key); // later: pool.cached(key) === b, even after pool.release([b])
 */
export class BlockPool {
  /** Total blocks. */
  readonly numBlocks: number;
  readonly #ref: Int32Array;
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  /** The chained key a block is cached under (NaN: none). */
  readonly #key: Float64Array;
  readonly #cache = new Map<number, number>();
  #head = NONE;
  #tail = NONE;
  #free = 0;

  constructor(numBlocks: number) {
    this.numBlocks = numBlocks;
    this.#ref = new Int32Array(numBlocks);
    this.#prev = new Int32Array(numBlocks);
    this.#next = new Int32Array(numBlocks);
    this.#key = new Float64Array(numBlocks).fill(Number.NaN);
    for (let b = 0; b < numBlocks; b++) this.#pushTail(b);
  }

  /** Blocks no sequence uses (cached or empty): what allocations can take. */
  get freeBlocks(): number {
    return this.#free;
  }

  /** Blocks in use by at least one sequence. */
  get usedBlocks(): number {
    return this.numBlocks - this.#free;
  }

  /** Blocks holding a reusable prefix (in use or not). */
  get cachedBlocks(): number {
    return this.#cache.size;
  }

  /** The block cached under `key`, or -1. */
  cached(key: number): number {
    return this.#cache.get(key) ?? NONE;
  }

  /** How many sequences use block `b`. */
  refCount(b: number): number {
    return this.#ref[b]!;
  }

  /** Takes the least recently freed block (evicting its cached prefix). Caller checks `freeBlocks`. */
  allocate(): number {
    const b = this.#head;
    if (b === NONE) throw new Error("BlockPool.allocate: no free block (check freeBlocks first)");
    this.#unlink(b);
    const key = this.#key[b]!;
    if (!Number.isNaN(key)) {
      if (this.#cache.get(key) === b) this.#cache.delete(key);
      this.#key[b] = Number.NaN;
    }
    this.#ref[b] = 1;
    return b;
  }

  /** Shares a cached block with one more sequence (taking it off the free queue if idle). */
  touch(b: number): void {
    if (this.#ref[b] === 0) this.#unlink(b);
    this.#ref[b]!++;
  }

  /** Caches block `b` under `key`, unless another block already holds that prefix. */
  register(b: number, key: number): void {
    if (this.#cache.has(key) || !Number.isNaN(this.#key[b]!)) return;
    this.#cache.set(key, b);
    this.#key[b] = key;
  }

  /**
   * Drops one reference to each block. Freed blocks go in reverse order, so a prompt's tail is
   * evicted before its head (as vLLM does); blocks without a cached prefix go first in line, since
   * they hold nothing reusable.
   */
  release(blocks: readonly number[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i]!;
      if (--this.#ref[b]! > 0) continue;
      if (Number.isNaN(this.#key[b]!)) this.#pushHead(b);
      else this.#pushTail(b);
    }
  }

  #pushTail(b: number): void {
    this.#prev[b] = this.#tail;
    this.#next[b] = NONE;
    if (this.#tail === NONE) this.#head = b;
    else this.#next[this.#tail] = b;
    this.#tail = b;
    this.#free++;
  }

  #pushHead(b: number): void {
    this.#next[b] = this.#head;
    this.#prev[b] = NONE;
    if (this.#head === NONE) this.#tail = b;
    else this.#prev[this.#head] = b;
    this.#head = b;
    this.#free++;
  }

  #unlink(b: number): void {
    const p = this.#prev[b]!;
    const n = this.#next[b]!;
    if (p === NONE) this.#head = n;
    else this.#next[p] = n;
    if (n === NONE) this.#tail = p;
    else this.#prev[n] = p;
    this.#free--;
  }
}
