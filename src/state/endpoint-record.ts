/** The store's mutable record behind the read-only `Endpoint` view. */
import { InFlightLedger } from "./in-flight.js";
import type { Endpoint, EndpointMetrics, InFlightCounts, ServiceFigures, SnapshotEndpoint } from "./types.js";

export class EndpointRecord implements Endpoint {
  readonly address: string;
  readonly ip: string;
  readonly port: number;
  readonly pool: string;
  source = "";
  ready = false;
  labels: Record<string, string> = {};
  engine = "";
  models: string[] = [];
  metrics!: EndpointMetrics;
  sequence = 0n;
  observedAt = 0;
  receivedAt = 0;
  /** Set by the store's sweep; the scheduler asks the store, which compares times directly. */
  stale = false;
  readonly ledger = new InFlightLedger();
  /** What peer router replicas sent here since the push this record holds (written by the peer fold). */
  readonly peers: InFlightCounts = { requests: 0, tokens: 0 };
  readonly #sincePush: InFlightCounts = { requests: 0, tokens: 0 };

  constructor(pool: string, e: SnapshotEndpoint) {
    this.pool = pool;
    this.address = e.address;
    this.ip = e.ip;
    this.port = e.port;
  }

  get inFlight(): InFlightCounts {
    return this.ledger.total;
  }

  get service(): ServiceFigures {
    return this.ledger.service;
  }

  get inFlightSincePush(): InFlightCounts {
    const own = this.ledger.sincePush;
    if (this.peers.requests === 0 && this.peers.tokens === 0) return own;
    // No allocation per read: scorers ask for every candidate of every pick.
    this.#sincePush.requests = own.requests + this.peers.requests;
    this.#sincePush.tokens = own.tokens + this.peers.tokens;
    return this.#sincePush;
  }

  /** Takes the pushed part of a snapshot; the ledger (the router's own counts) is kept. */
  apply(e: SnapshotEndpoint, source: string, sequence: bigint, observedAt: number, receivedAt: number): void {
    this.source = source;
    this.ready = e.ready;
    this.labels = e.labels;
    this.engine = e.engine;
    this.models = e.models;
    this.metrics = e.metrics;
    this.sequence = sequence;
    this.observedAt = observedAt;
    this.receivedAt = receivedAt;
    this.stale = false;
    this.ledger.rebase(observedAt);
  }
}
