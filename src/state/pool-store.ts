/**
 * Pools and endpoints, fed only by pushed snapshots. Pools exist because an InferencePool says so;
 * each (pool, source) has a strictly increasing sequence; a full snapshot replaces what that
 * source reported for that pool. Endpoints not heard of for `staleAfterMs` turn stale, and after
 * `expireAfterMs` they are removed, and so is what the store remembers of a source (its last sequence)
 * that long after its last push: a source that went away, or reset its sequence, can come back. Time
 * comes from the injected clock only.
 */
import { routerDefaults } from "../api/router-config.js";
import type { Clock } from "../core/clock.js";
import { RouterError } from "../core/errors.js";
import { EndpointRecord } from "./endpoint-record.js";
import type { Lease } from "./in-flight.js";
import { type PeerFigure, PeerLoads, type PeerReport } from "./peer-load.js";
import type { PlacementExchange } from "./peer-placements.js";
import type { Endpoint, PoolChange, PoolView, Snapshot, SourceState } from "./types.js";

export interface PoolStoreOptions {
  clock: Clock;
  /** An endpoint whose last push is older than this is stale (ms). Default 2,000 (upstream's metrics staleness). */
  staleAfterMs?: number;
  /** A stale endpoint is removed once its last push is older than this (ms). Default 60,000. */
  expireAfterMs?: number;
  /** Most sources one pool remembers (RouterConfig `spec.limits.maxSourcesPerPool`). Default 1,000. */
  maxSourcesPerPool?: number;
}

/** A pool as the store needs it from configuration. */
export interface PoolDefinition {
  name: string;
  targetPorts: readonly number[];
}

class PoolRecord implements PoolView {
  readonly name: string;
  targetPorts: readonly number[];
  revision = 0;
  readonly byAddress = new Map<string, EndpointRecord>();
  readonly sourceStates = new Map<string, SourceState>();
  readonly #peers: PeerLoads;
  #endpoints: readonly EndpointRecord[] | undefined;

  constructor(def: PoolDefinition, peers: PeerLoads) {
    this.name = def.name;
    this.targetPorts = def.targetPorts;
    this.#peers = peers;
  }

  get endpoints(): readonly EndpointRecord[] {
    this.#endpoints ??= [...this.byAddress.values()];
    return this.#endpoints;
  }

  get sources(): readonly SourceState[] {
    const engines = [...this.sourceStates.values()];
    return this.#peers.size === 0 ? engines : engines.concat(this.#peers.sources());
  }

  changed(): void {
    this.#endpoints = undefined;
    this.revision++;
  }
}

type Listener = (change: PoolChange) => void;

export class PoolStore {
  readonly clock: Clock;
  readonly staleAfterMs: number;
  readonly expireAfterMs: number;
  /** Most sources one pool remembers; a push from one more is refused. Reloads may change it. */
  maxSourcesPerPool: number;
  #pools = new Map<string, PoolRecord>();
  readonly #peers = new PeerLoads();
  #placements: PlacementExchange | undefined;
  #sharingPlacements = false;
  #listeners = new Set<Listener>();
  #nextLease = 1;

  constructor(options: PoolStoreOptions) {
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs ?? routerDefaults.state.stalenessMs;
    this.expireAfterMs = options.expireAfterMs ?? routerDefaults.state.expiryMs;
    this.maxSourcesPerPool = options.maxSourcesPerPool ?? routerDefaults.limits.maxSourcesPerPool;
    if (!(this.staleAfterMs > 0)) throw new RangeError(`staleAfterMs: ${this.staleAfterMs} must be > 0`);
    if (!(this.expireAfterMs >= this.staleAfterMs)) {
      throw new RangeError(
        `expireAfterMs: ${this.expireAfterMs} must be >= staleAfterMs ${this.staleAfterMs}`,
      );
    }
  }

  /** Makes the set of pools match configuration: new pools appear, removed ones go with their state. */
  configurePools(defs: readonly PoolDefinition[]): void {
    const wanted = new Map(defs.map((d) => [d.name, d]));
    for (const [name, pool] of this.#pools) {
      if (wanted.has(name)) continue;
      for (const ep of pool.byAddress.values()) ep.ledger.clear();
      this.#pools.delete(name);
      pool.changed();
      this.#emit({ pool: name, reason: "config", revision: pool.revision });
    }
    for (const def of defs) {
      const pool = this.#pools.get(def.name);
      if (!pool) {
        this.#pools.set(def.name, new PoolRecord(def, this.#peers));
        this.#emit({ pool: def.name, reason: "config", revision: 0 });
      } else if (pool.targetPorts.join() !== def.targetPorts.join()) {
        pool.targetPorts = def.targetPorts;
        pool.changed();
        this.#emit({ pool: def.name, reason: "config", revision: pool.revision });
      }
    }
  }

  hasPool(name: string): boolean {
    return this.#pools.has(name);
  }

  pool(name: string): PoolView | undefined {
    return this.#pools.get(name);
  }

  pools(): PoolView[] {
    return [...this.#pools.values()];
  }

  /** The pool's endpoints (cached array, rebuilt only on change), or undefined for an unknown pool. */
  endpoints(pool: string): readonly Endpoint[] | undefined {
    return this.#pools.get(pool)?.endpoints;
  }

  /** True when the endpoint's last push is older than the staleness limit. */
  isStale(endpoint: Endpoint): boolean {
    return this.clock.now() - endpoint.receivedAt > this.staleAfterMs;
  }

  /**
   * Applies a validated snapshot. Refusals throw before anything changes: NotFound for an unknown
   * pool, FailedPrecondition for a replayed or older sequence, ResourceExhausted for a new source
   * when the pool already remembers `maxSourcesPerPool` sources.
   */
  push(snapshot: Snapshot): { acceptedSequence: bigint; endpointCount: number } {
    const pool = this.#pools.get(snapshot.pool);
    if (!pool) {
      throw new RouterError(
        "NotFound",
        `pool "${snapshot.pool}" is not configured (no InferencePool of that name)`,
        "pool",
      );
    }
    const last = pool.sourceStates.get(snapshot.source);
    if (last && snapshot.sequence <= last.sequence) {
      throw new RouterError(
        "FailedPrecondition",
        `sequence ${snapshot.sequence} from source "${snapshot.source}" is not newer than the last accepted sequence ${last.sequence}`,
        "sequence",
      );
    }
    if (!last && pool.sourceStates.size >= this.maxSourcesPerPool) {
      throw new RouterError(
        "ResourceExhausted",
        `source: "${snapshot.source}" would be source ${pool.sourceStates.size + 1} of pool "${pool.name}", above the limit ${this.maxSourcesPerPool} (limits.maxSourcesPerPool); a source is forgotten ${this.expireAfterMs} ms after its last push`,
        "source",
      );
    }
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const e of snapshot.endpoints) {
      seen.add(e.address);
      let rec = pool.byAddress.get(e.address);
      if (!rec) {
        rec = new EndpointRecord(pool.name, e);
        pool.byAddress.set(e.address, rec);
      }
      rec.apply(e, snapshot.source, snapshot.sequence, snapshot.observedAt, now);
    }
    for (const [address, rec] of pool.byAddress) {
      if (rec.source === snapshot.source && !seen.has(address)) {
        rec.ledger.clear();
        pool.byAddress.delete(address);
      }
    }
    pool.sourceStates.set(snapshot.source, {
      source: snapshot.source,
      sequence: snapshot.sequence,
      observedAt: snapshot.observedAt,
      receivedAt: now,
    });
    pool.changed();
    if (this.#peers.size > 0) this.#peers.fold(pool.name, pool.byAddress.values(), now, this.staleAfterMs);
    this.#emit({ pool: pool.name, reason: "push", revision: pool.revision });
    return { acceptedSequence: snapshot.sequence, endpointCount: seen.size };
  }

  /**
   * Applies a peer router replica's in-flight report (validated by parsePeerReport) and folds it into
   * every pool's between-push counts. Pools this router does not have are skipped (a peer mid-rollout
   * may have one more). A peer's first report, like its expiry, is a change of the pools' sources.
   * @throws RouterError("FailedPrecondition") for a replayed or older sequence, before anything changes.
   */
  pushPeer(report: PeerReport): { acceptedSequence: bigint } {
    const now = this.clock.now();
    const { joined } = this.#peers.apply(report, now);
    // A peer's placements on endpoints this replica has: learned as if it had routed there.
    if (this.#placements)
      for (const p of report.placements)
        if (this.#pools.get(p.pool)?.byAddress.has(p.address)) this.#placements.learn(p.address, p.blocks);
    for (const pool of this.#pools.values()) {
      this.#peers.fold(pool.name, pool.byAddress.values(), now, this.staleAfterMs);
      if (joined) {
        pool.changed();
        this.#emit({ pool: pool.name, reason: "push", revision: pool.revision });
      }
    }
    return { acceptedSequence: report.sequence };
  }

  /**
   * The scheduler's prefix-index exchange (one at a time: a rebuilt scheduler replaces it); returns the
   * detach function, which only detaches this very exchange.
   */
  attachPlacements(exchange: PlacementExchange): () => void {
    this.#placements = exchange;
    if (this.#sharingPlacements) exchange.activate();
    return () => {
      if (this.#placements === exchange) this.#placements = undefined;
    };
  }

  /**
   * This replica reports its prefix placements to peers (called when its peer publisher is made): the
   * attached exchange, and any a rebuilt scheduler attaches later, note every pick from now on, so
   * picks made before the first peer report are shared too.
   */
  sharePlacements(): void {
    this.#sharingPlacements = true;
    this.#placements?.activate();
  }

  /** The attached prefix-index exchange, if the scheduler has a prefix index. */
  get placements(): PlacementExchange | undefined {
    return this.#placements;
  }

  /**
   * What this replica tells its peers: per pool and endpoint, its own requests and tokens sent after
   * the endpoint's last push was observed (peers' figures are never passed on), with that push's
   * sequence. Endpoints with nothing outstanding since their push are left out.
   */
  ownSincePush(): Map<string, Map<string, PeerFigure>> {
    const out = new Map<string, Map<string, PeerFigure>>();
    for (const pool of this.#pools.values()) {
      let byAddress: Map<string, PeerFigure> | undefined;
      for (const rec of pool.byAddress.values()) {
        const own = rec.ledger.sincePush;
        if (own.requests === 0 && own.tokens === 0) continue;
        byAddress ??= new Map();
        byAddress.set(rec.address, {
          requests: own.requests,
          tokens: own.tokens,
          engineSequence: rec.sequence,
        });
      }
      if (byAddress) out.set(pool.name, byAddress);
    }
    return out;
  }

  /** Marks endpoints stale and removes expired ones; runtimes call it on an interval. */
  sweep(): void {
    const now = this.clock.now();
    const peersChanged = this.#peers.sweep(now, this.staleAfterMs, this.expireAfterMs);
    for (const pool of this.#pools.values()) {
      if (peersChanged) this.#peers.fold(pool.name, pool.byAddress.values(), now, this.staleAfterMs);
      let staled = false;
      let expired = false;
      for (const [address, rec] of pool.byAddress) {
        const age = now - rec.receivedAt;
        if (age > this.expireAfterMs) {
          rec.ledger.clear();
          pool.byAddress.delete(address);
          expired = true;
        } else if (age > this.staleAfterMs && !rec.stale) {
          rec.stale = true;
          staled = true;
        }
      }
      // A source's endpoints went with the push that last carried them; its state goes the same way.
      for (const [source, state] of pool.sourceStates) {
        if (now - state.receivedAt > this.expireAfterMs) {
          pool.sourceStates.delete(source);
          expired = true;
        }
      }
      if (expired || staled) {
        pool.changed();
        this.#emit({ pool: pool.name, reason: expired ? "expired" : "stale", revision: pool.revision });
      }
    }
  }

  /**
   * Counts a request the router is sending to `address`. Returns undefined when the endpoint is
   * unknown (it vanished between pick and send): there is nothing to count against.
   */
  acquire(pool: string, address: string, tokens: number): Lease | undefined {
    const rec = this.#pools.get(pool)?.byAddress.get(address);
    if (!rec) return undefined;
    const id = this.#nextLease++;
    rec.ledger.add(id, this.clock.now(), tokens);
    const clock = this.clock;
    let released = false;
    // A move is not a completion: the request left unserved, its time says nothing of this endpoint.
    let moving = false;
    const lease: Lease = {
      pool,
      address,
      tokens,
      release() {
        if (released) return;
        released = true;
        rec.ledger.remove(id, moving ? undefined : clock.now());
      },
      moveTo: (to) => {
        if (released) return undefined;
        if (to === address) return lease;
        const moved = this.acquire(pool, to, tokens);
        moving = true;
        lease.release();
        return moved;
      },
    };
    return lease;
  }

  /** Listens to pool changes; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: PoolChange): void {
    for (const l of this.#listeners) l(change);
  }
}
