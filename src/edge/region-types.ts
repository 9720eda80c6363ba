/**
 * What the edge knows about regions: each regional router pushes a summary of its pools (per model:
 * ready endpoints, capacity, queue, KV headroom, saturation); the edge keeps the last accepted one per
 * region with its sequence and arrival time. Plain data, so it crosses Durable Object RPC and SQLite.
 */

/** Where a region is. Empty fields mean "unknown". */
export interface RegionLocation {
  /** Degrees, -90..90; set together with longitude. */
  latitude?: number | undefined;
  /** Degrees, -180..180; set together with latitude. */
  longitude?: number | undefined;
  /** Cloudflare continent code ("EU", "NA", ...), upper case; "" when unknown. */
  continent: string;
  /** Cloudflare colos (IATA, upper case) that count as 0 km from this region. */
  colos: string[];
}

/** One model as a region serves it; model "*" = any model. */
export interface ModelSummary {
  model: string;
  /** Fresh, ready endpoints serving the model. */
  endpointsReady: number;
  /** All endpoints known for the model. */
  endpointsTotal: number;
  /** Request slots: one per ready endpoint. */
  capacity: number;
  /** Unused capacity: sum over ready endpoints of (1 - utilization). */
  freeCapacity: number;
  /** Requests queued on the engines. */
  queueDepth: number;
  /** Requests running on the engines. */
  runningRequests: number;
  /** Mean free KV-cache fraction over ready endpoints, 0..1. */
  kvHeadroom: number;
  /** Mean utilization over all endpoints (stale = 1), 0..1. */
  saturation: number;
}

/** A region's pushed summary (validated). */
export interface RegionSummary {
  region: string;
  /** Absolute http(s) URL without a trailing slash; /v1/* is forwarded below it. */
  baseUrl: string;
  location: RegionLocation;
  /** The region is shutting down: no new requests. */
  draining: boolean;
  models: ModelSummary[];
}

/** A region as the directory holds it: the summary plus push bookkeeping. */
export interface RegionRecord extends RegionSummary {
  /** Sequence of the accepted push (strictly increasing per region). */
  sequence: bigint;
  /** Region's time of the summary, ms since epoch. */
  observedAt: number;
  /** Edge's time when the push arrived, ms since epoch (staleness is measured from here). */
  receivedAt: number;
}

/** Where the client is, as far as request.cf tells. */
export interface ClientLocation {
  latitude?: number | undefined;
  longitude?: number | undefined;
  /** Continent code, upper case, "" when unknown. */
  continent: string;
  /** Colo the request entered at (IATA, upper case), "" when unknown. */
  colo: string;
}

/** The wildcard model key: endpoints that advertise no model list serve any model. */
export const ANY_MODEL = "*";
