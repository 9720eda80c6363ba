/**
 * Tells when endpoints have left every pool, so per-endpoint learned state (prefix indexes) can be
 * forgotten. An endpoint leaves by a push without it (also one that swaps it for another, so counts
 * alone do not tell), by expiry, or with its pool's removal from config.
 */
import type { PoolStore } from "../state/pool-store.js";

/**
 * Calls `onLeave(keep)` after a change that removed at least one endpoint address from a pool; `keep`
 * answers true for addresses still in ANY pool. Returns the unsubscribe function.
 *
 * Cost: a push is checked in O(endpoints of that pool) set lookups; pushes are far rarer than
 * requests, and nothing runs per request.
 */
export function watchEndpointDepartures(
  store: PoolStore,
  onLeave: (keep: (address: string) => boolean) => void,
): () => void {
  const known = new Map<string, Set<string>>();
  const addressesOf = (pool: string): Set<string> => {
    const set = new Set<string>();
    for (const e of store.endpoints(pool) ?? []) set.add(e.address);
    return set;
  };
  for (const p of store.pools()) known.set(p.name, addressesOf(p.name));
  return store.subscribe((change) => {
    if (change.reason === "stale") return;
    const before = known.get(change.pool);
    const now = store.endpoints(change.pool) ?? [];
    let kept = 0;
    if (before) for (const e of now) if (before.has(e.address)) kept++;
    const left = before !== undefined && kept < before.size;
    if (!left && before !== undefined && now.length === kept) return;
    if (store.hasPool(change.pool)) known.set(change.pool, addressesOf(change.pool));
    else known.delete(change.pool);
    if (!left) return;
    const keep = new Set<string>();
    for (const p of store.pools()) for (const e of p.endpoints) keep.add(e.address);
    onLeave((address) => keep.has(address));
  });
}
