/**
 * What other router replicas (peers) have dispatched and no engine push shows yet. Each peer reports,
 * per endpoint, the requests and tokens it sent after the engine push with sequence S was observed;
 * a replica adds a peer's figures to its own between-push counts while it holds that push or an older
 * one. Once it applies a newer push of the endpoint, the engine's own figures include those requests
 * and the peer's figure no longer counts, until the peer's next report (<= 50 ms) says what it sent
 * since. So a peer that dies stops counting at the next engine push, before it even turns stale.
 *
 * The state is soft: nothing is stored anywhere else, and every figure is replaced within one report
 * interval; after any loss a replica is whole again after one report from each peer.
 */
import { z } from "zod";
import { RouterError } from "../core/errors.js";
import { parseOrBadRequest, renderValue } from "../core/field-error.js";
import { parseAddress } from "./address.js";
import { messageKeys } from "./timestamp.js";
import type { InFlightCounts, SourceState } from "./types.js";

/** One peer's figure for one endpoint. */
export interface PeerFigure {
  requests: number;
  tokens: number;
  /** Sequence of the engine push the figure is relative to. */
  engineSequence: bigint;
}

/** A validated peer report. */
export interface PeerReport {
  source: string;
  sequence: bigint;
  /** pool -> address -> figure. */
  pools: Map<string, Map<string, PeerFigure>>;
  /** Prefix blocks the peer placed, per pool and endpoint (PeerEndpointLoad.prefix_blocks); only non-empty ones. */
  placements: { pool: string; address: string; blocks: readonly number[] }[];
}

/** Limits on one report. */
export interface PeerReportLimits {
  /** Most pools one report may carry. Default 1000. */
  maxPools: number;
  /** Most endpoints per pool. Default 10,000 (as a snapshot). */
  maxEndpoints: number;
  /** Most prefix blocks per endpoint entry. Default 1024 (a sender's burst is at most one second's cap). */
  maxPrefixBlocksPerEndpoint: number;
  /** Most prefix blocks in one report, all endpoints together. Default 65,536 (256 KiB). */
  maxPrefixBlocks: number;
}

export const defaultPeerReportLimits: PeerReportLimits = {
  maxPools: 1000,
  maxEndpoints: 10_000,
  maxPrefixBlocksPerEndpoint: 1024,
  maxPrefixBlocks: 65_536,
};

const name = z.string().min(1, "must not be empty").max(253, "must be at most 253 characters");

function reportSchema(limits: PeerReportLimits) {
  const endpoint = z.strictObject({
    ...messageKeys,
    address: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters"),
    requests: z.number().int().min(0).max(1_000_000, "must be at most 1000000"),
    tokens: z.bigint().min(0n).max(1_000_000_000_000n, "must be at most 1000000000000"),
    engineSequence: z.bigint().min(1n, "must be at least 1"),
    prefixBlocks: z
      .array(z.number().int().min(0).max(0xffff_ffff))
      .max(
        limits.maxPrefixBlocksPerEndpoint,
        `must have at most ${limits.maxPrefixBlocksPerEndpoint} entries`,
      )
      .optional(),
  });
  const pool = z.strictObject({
    ...messageKeys,
    pool: name,
    endpoints: z.array(endpoint).max(limits.maxEndpoints, `must have at most ${limits.maxEndpoints} entries`),
  });
  return z.strictObject({
    ...messageKeys,
    source: name,
    sequence: z.bigint().min(1n, "must be at least 1"),
    pools: z.array(pool).max(limits.maxPools, `must have at most ${limits.maxPools} entries`),
  });
}

/** A decoded PushPeerLoadRequest (or the same shape). */
export type PeerReportInput = z.input<ReturnType<typeof reportSchema>>;

/**
 * Validates a peer report.
 * @throws RouterError("BadRequest") naming the first bad field, its value and the limit.
 */
export function parsePeerReport(input: unknown, limits = defaultPeerReportLimits): PeerReport {
  const r = parseOrBadRequest(reportSchema(limits), input, "peer report");
  const pools = new Map<string, Map<string, PeerFigure>>();
  const placements: PeerReport["placements"] = [];
  let blocks = 0;
  r.pools.forEach((p, i) => {
    if (pools.has(p.pool)) {
      const field = `pools[${i}].pool`;
      throw new RouterError("BadRequest", `${field}: ${renderValue(p.pool)} appears twice`, field);
    }
    const byAddress = new Map<string, PeerFigure>();
    p.endpoints.forEach((e, j) => {
      const field = `pools[${i}].endpoints[${j}].address`;
      const addr = parseAddress(e.address);
      if (typeof addr === "string")
        throw new RouterError("BadRequest", `${field}: ${renderValue(e.address)} ${addr}`, field);
      if (byAddress.has(addr.address))
        throw new RouterError("BadRequest", `${field}: ${renderValue(e.address)} appears twice`, field);
      byAddress.set(addr.address, {
        requests: e.requests,
        tokens: Number(e.tokens),
        engineSequence: e.engineSequence,
      });
      const prefixBlocks = e.prefixBlocks ?? [];
      blocks += prefixBlocks.length;
      if (blocks > limits.maxPrefixBlocks) {
        const f = `pools[${i}].endpoints[${j}].prefixBlocks`;
        throw new RouterError(
          "BadRequest",
          `${f}: ${prefixBlocks.length} entries bring the report to ${blocks} prefix blocks, more than the limit of ${limits.maxPrefixBlocks}`,
          f,
        );
      }
      if (prefixBlocks.length > 0)
        placements.push({ pool: p.pool, address: addr.address, blocks: prefixBlocks });
    });
    pools.set(p.pool, byAddress);
  });
  return { source: r.source, sequence: r.sequence, pools, placements };
}

interface PeerState {
  sequence: bigint;
  receivedAt: number;
  pools: Map<string, Map<string, PeerFigure>>;
}

/** What the fold needs of an endpoint: its address and the engine push it holds. */
export interface PeerFoldTarget {
  readonly address: string;
  readonly sequence: bigint;
  /** Written by the fold: the sum of the peers' figures that count. */
  readonly peers: InFlightCounts;
}

/** Every peer's latest report. */
export class PeerLoads {
  readonly #peers = new Map<string, PeerState>();

  /** Peers heard of (fresh or not, until they expire). */
  get size(): number {
    return this.#peers.size;
  }

  /**
   * Takes a report; the previous one of that peer is replaced whole.
   * @throws RouterError("FailedPrecondition") for a replayed or older sequence.
   */
  apply(report: PeerReport, now: number): { joined: boolean } {
    const prev = this.#peers.get(report.source);
    if (prev && report.sequence <= prev.sequence) {
      throw new RouterError(
        "FailedPrecondition",
        `sequence: ${report.sequence} is not newer than ${prev.sequence}, the last accepted from peer "${report.source}"`,
        "sequence",
      );
    }
    this.#peers.set(report.source, { sequence: report.sequence, receivedAt: now, pools: report.pools });
    return { joined: prev === undefined };
  }

  /**
   * Writes into each endpoint's `peers` the sum of the figures that count: from peers heard of within
   * `staleAfterMs`, relative to the push the endpoint holds or a newer one.
   */
  fold(pool: string, endpoints: Iterable<PeerFoldTarget>, now: number, staleAfterMs: number): void {
    for (const e of endpoints) {
      let requests = 0;
      let tokens = 0;
      for (const peer of this.#peers.values()) {
        if (now - peer.receivedAt > staleAfterMs) continue;
        const f = peer.pools.get(pool)?.get(e.address);
        if (f === undefined || f.engineSequence < e.sequence) continue;
        requests += f.requests;
        tokens += f.tokens;
      }
      e.peers.requests = requests;
      e.peers.tokens = tokens;
    }
  }

  /**
   * Forgets peers not heard of within `expireAfterMs`; returns true when a peer turned stale or was
   * forgotten since the last sweep (the caller folds again).
   */
  sweep(now: number, staleAfterMs: number, expireAfterMs: number): boolean {
    let changed = false;
    for (const [source, peer] of this.#peers) {
      const age = now - peer.receivedAt;
      if (age > expireAfterMs) {
        this.#peers.delete(source);
        changed = true;
      } else if (age > staleAfterMs) {
        changed = true;
      }
    }
    return changed;
  }

  /** The peers as sources of a pool's state (kind "peer"). */
  sources(): SourceState[] {
    return [...this.#peers].map(([source, p]) => ({
      source,
      sequence: p.sequence,
      observedAt: p.receivedAt,
      receivedAt: p.receivedAt,
      kind: "peer" as const,
    }));
  }
}
