/**
 * Prefix placements between router replicas, as the store sees them. Each replica learns its prefix
 * index from its own picks; behind a round-robin front each sees a third of the traffic, so without
 * this each would place a popular prompt on its own pod (measured: prefix hit rate 0.72 with one
 * router, 0.49 with three). The scheduler's side (src/scheduling/prefix/placement-exchange.ts) notes
 * the blocks each pick added to its index; the peer report carries them (PeerEndpointLoad.prefix_blocks)
 * and the receiver records them as if it had routed there.
 */

/** What the store and the peer publisher need of the scheduler's prefix-index sharing. */
export interface PlacementExchange {
  /**
   * The endpoint's blocks new to this replica's index since the last take, shallowest (most shared)
   * first, at most `blocksPerSecond` per second (a bucket with one second of burst); the rest wait,
   * the deepest dropped first when too many wait. Returns an empty array when there is nothing to send.
   * The first call switches noting on (as activate() does): a replica with no peers keeps nothing.
   */
  take(address: string, now: number, blocksPerSecond: number): readonly number[];
  /** Switches noting on: this replica reports placements to peers (its peer publisher started). */
  activate(): void;
  /** Records a peer's placement into this replica's indexes (never noted, so never passed on). */
  learn(address: string, blocks: readonly number[]): void;
}
