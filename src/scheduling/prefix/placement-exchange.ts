/**
 * Prefix-index sharing between router replicas (serve --peers): wraps the prefix-index factory so that
 * every block a pick adds to an endpoint's index is noted (with its depth in the prompt), hands the
 * noted blocks to the peer report shallowest first under a per-endpoint rate, and records the blocks a
 * peer reports into every index it made. The shallow blocks of a prompt are the ones other prompts
 * share (a system prompt, a conversation's history), so under the cap they go first.
 */
import type { PlacementExchange } from "../../state/peer-placements.js";
import type { PrefixIndex, PrefixIndexFactory } from "../prefix-index.js";

/** Most blocks waiting per endpoint; past twice this the deepest are dropped down to it. */
export const DEFAULT_BACKLOG_PER_ENDPOINT = 1024;
/** Fewest blocks an endpoint's entry carries while more wait (see take). */
export const DEFAULT_BATCH = 16;

const NONE: readonly number[] = [];

interface Bucket {
  allowance: number;
  at: number;
}

/**
 * Creates an exchange; `wrap` the scheduler's prefix-index factory with it, then attach it to the store.
 *
 * @example
 * const exchange = createPlacementExchange();
 * const factory = exchange.wrap(createPrefixIndex);
 * store.attachPlacements(exchange);
 */
export function createPlacementExchange(
  backlogPerEndpoint = DEFAULT_BACKLOG_PER_ENDPOINT,
  batch = DEFAULT_BATCH,
) {
  return new DefaultPlacementExchange(backlogPerEndpoint, batch);
}

class DefaultPlacementExchange implements PlacementExchange {
  readonly #backlogCap: number;
  readonly #batch: number;
  readonly #indexes: PrefixIndex[] = [];
  /** address -> block hash -> depth (index in its prompt), noted since the last take. */
  readonly #pending = new Map<string, Map<number, number>>();
  readonly #buckets = new Map<string, Bucket>();
  #active = false;
  readonly #one: string[] = [""];
  readonly #length = new Int32Array(1);

  constructor(backlogCap: number, batch: number) {
    this.#backlogCap = backlogCap;
    this.#batch = batch;
  }

  /** A factory whose indexes note new blocks here and learn peers' blocks from here. */
  wrap(inner: PrefixIndexFactory): PrefixIndexFactory {
    return (options) => {
      const index = inner(options);
      this.#indexes.push(index);
      const noted = this.#indexes.length === 1;
      const wrapped: PrefixIndex = {
        matchLengths: (hashes, addresses) => index.matchLengths(hashes, addresses),
        record: (address, hashes) => {
          // Only the first index notes: several owners record the same pick.
          if (this.#active && noted && hashes.length > 0) this.#note(index, address, hashes);
          index.record(address, hashes);
        },
        purge: (keep) => {
          index.purge(keep);
          for (const address of this.#pending.keys()) if (!keep(address)) this.#pending.delete(address);
          for (const address of this.#buckets.keys()) if (!keep(address)) this.#buckets.delete(address);
        },
        size: () => index.size(),
      };
      if (index.matchLengthsInto) {
        const into = index.matchLengthsInto.bind(index);
        wrapped.matchLengthsInto = (hashes, addresses, out) => into(hashes, addresses, out);
      }
      return wrapped;
    };
  }

  /** Notes the blocks of `hashes` past the endpoint's current match (the ones this pick adds). */
  #note(index: PrefixIndex, address: string, hashes: readonly number[]): void {
    this.#one[0] = address;
    let from = 0;
    if (index.matchLengthsInto) {
      index.matchLengthsInto(hashes, this.#one, this.#length);
      from = this.#length[0] ?? 0;
    } else from = index.matchLengths(hashes, this.#one).get(address) ?? 0;
    if (from >= hashes.length) return;
    let pending = this.#pending.get(address);
    if (pending === undefined) {
      pending = new Map();
      this.#pending.set(address, pending);
    }
    for (let depth = from; depth < hashes.length; depth++) {
      const hash = hashes[depth]!;
      const known = pending.get(hash);
      if (known === undefined || depth < known) pending.set(hash, depth);
    }
    if (pending.size > 2 * this.#backlogCap) this.#keepShallowest(pending, this.#backlogCap);
  }

  #keepShallowest(pending: Map<number, number>, keep: number): [number, number][] {
    const sorted = [...pending].sort((a, b) => a[1] - b[1]);
    pending.clear();
    for (let i = 0; i < Math.min(keep, sorted.length); i++) pending.set(sorted[i]![0], sorted[i]![1]);
    return sorted;
  }

  activate(): void {
    this.#active = true;
  }

  take(address: string, now: number, blocksPerSecond: number): readonly number[] {
    this.#active = true;
    if (!(blocksPerSecond > 0)) {
      this.#pending.clear();
      return NONE;
    }
    let bucket = this.#buckets.get(address);
    if (bucket === undefined) {
      bucket = { allowance: blocksPerSecond, at: now };
      this.#buckets.set(address, bucket);
    } else {
      const elapsed = Math.max(0, now - bucket.at);
      bucket.allowance = Math.min(blocksPerSecond, bucket.allowance + (blocksPerSecond * elapsed) / 1000);
      bucket.at = now;
    }
    const pending = this.#pending.get(address);
    if (pending === undefined || pending.size === 0) return NONE;
    const n = Math.min(Math.floor(bucket.allowance), pending.size);
    // Whole batches (or all that waits): an endpoint's entry costs ~20 bytes of address and sequence
    // per report, which a dribble of 2 blocks per 50 ms report would pay 20 times a second.
    if (n <= 0 || n < Math.min(pending.size, this.#batch, blocksPerSecond)) return NONE;
    bucket.allowance -= n;
    const sorted = this.#keepShallowest(pending, 0);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = sorted[i]![0];
    for (let i = n; i < Math.min(sorted.length, n + this.#backlogCap); i++)
      pending.set(sorted[i]![0], sorted[i]![1]);
    if (pending.size === 0) this.#pending.delete(address);
    return out;
  }

  learn(address: string, blocks: readonly number[]): void {
    if (blocks.length === 0) return;
    for (const index of this.#indexes) index.record(address, blocks);
  }
}
