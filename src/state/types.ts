/**
 * What the router knows about pools and endpoints. Everything here is fed by pushed snapshots,
 * except `inFlight` / `inFlightSincePush`, which count what the router itself has sent.
 */

/** Per-endpoint metrics as a model server reports them (see proto EndpointMetrics). */
export interface EndpointMetrics {
  /** Requests queued on the engine, not yet running. */
  waitingRequests: number;
  /** Requests in the engine's running batch. */
  runningRequests: number;
  /** Fraction of KV-cache blocks in use, 0..1. */
  kvCacheUsage: number;
  /** LoRA adapters loaded and serving. */
  activeAdapters: readonly string[];
  /** LoRA adapters that waiting requests asked for. */
  waitingAdapters: readonly string[];
  /** Adapters that can be active at once; 0 when unknown or no LoRA. */
  maxAdapters: number;
  /** KV block size in tokens; 0 when unknown. */
  blockSize: number;
  /** KV blocks on the GPU; 0 when unknown. */
  numBlocks: number;
}

/** The router's own outstanding work on an endpoint. */
export interface InFlightCounts {
  /** Requests sent and not yet finished. */
  requests: number;
  /** Estimated tokens (prompt + expected output) of those requests. */
  tokens: number;
}

/**
 * The router's own completed requests on an endpoint: moving averages (per completion, weight
 * SERVICE_SMOOTHING) of their time from dispatch to end and of their estimated tokens (prompt +
 * expected output). ms / tokens is the endpoint's observed time per token of work: higher on a
 * slower or busier endpoint, learned without any label.
 */
export interface ServiceFigures {
  /** Completions seen (0 = nothing learned yet). */
  completions: number;
  ms: number;
  tokens: number;
  /**
   * Low envelope of the per-request time per token (in-flight.ts FLOOR_DOWN / FLOOR_UP): the
   * endpoint's speed when lightly loaded, little moved by the load it carries now.
   */
  floorMsPerToken: number;
  /** Router's time of the last completion, ms since epoch. */
  lastAt: number;
}

/**
 * One endpoint as the scheduler sees it. Read-only outside src/state: only the store mutates it.
 */
export interface Endpoint {
  /** Canonical "ip:port" / "[ip]:port"; unique within a pool. */
  readonly address: string;
  readonly ip: string;
  readonly port: number;
  readonly pool: string;
  /** Producer whose snapshot last reported this endpoint. */
  readonly source: string;
  readonly ready: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** "vllm", "sglang", "trtllm", "sim", or "" when unknown. */
  readonly engine: string;
  /** Models (base names and adapters) served; empty = any model of the pool. */
  readonly models: readonly string[];
  readonly metrics: Readonly<EndpointMetrics>;
  /** Sequence of the snapshot that last reported this endpoint. */
  readonly sequence: bigint;
  /** Producer's time of that snapshot, ms since epoch. */
  readonly observedAt: number;
  /** Router's time when that snapshot arrived, ms since epoch (staleness is measured from here). */
  readonly receivedAt: number;
  /** All of the router's outstanding requests on this endpoint. */
  readonly inFlight: Readonly<InFlightCounts>;
  /**
   * The part of `inFlight` sent after the last snapshot was observed, plus what peer router replicas
   * reported sending since that snapshot (src/state/peer-load.ts): load the pushed metrics cannot
   * show yet. Scorers add this to the pushed queue/token figures between pushes.
   */
  readonly inFlightSincePush: Readonly<InFlightCounts>;
  /** The peers' share of `inFlightSincePush` (zero with one replica); absent in test doubles. */
  readonly peers?: Readonly<InFlightCounts>;
  /** The router's own completions here (in-flight.ts); absent in test doubles. */
  readonly service?: Readonly<ServiceFigures>;
}

/** One producer's standing in a pool. */
export interface SourceState {
  /** "peer" for another router replica sharing its in-flight counts; absent for engine producers. */
  readonly kind?: "peer";
  readonly source: string;
  readonly sequence: bigint;
  readonly observedAt: number;
  readonly receivedAt: number;
}

/** A pool as configured (from an InferencePool) plus what producers pushed. */
export interface PoolView {
  readonly name: string;
  readonly targetPorts: readonly number[];
  /** Bumped on every state change (push, stale, expiry, config). */
  readonly revision: number;
  readonly endpoints: readonly Endpoint[];
  readonly sources: readonly SourceState[];
}

/** Why a pool changed; Watch streams carry it. */
export type PoolChangeReason = "push" | "stale" | "expired" | "config";

export interface PoolChange {
  readonly pool: string;
  readonly reason: PoolChangeReason;
  readonly revision: number;
}

/** A validated snapshot (see snapshot.ts for the parser that makes one from untrusted input). */
export interface Snapshot {
  pool: string;
  source: string;
  sequence: bigint;
  /** ms since epoch. */
  observedAt: number;
  endpoints: SnapshotEndpoint[];
}

export interface SnapshotEndpoint {
  address: string;
  ip: string;
  port: number;
  ready: boolean;
  labels: Record<string, string>;
  engine: string;
  models: string[];
  metrics: EndpointMetrics;
}
