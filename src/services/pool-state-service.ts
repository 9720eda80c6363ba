/**
 * PoolStateService over the core: pushes go through the snapshot parser into the store; reads and
 * watches render the store's pools. Transport-free: Node (connect-node) and the worker (fetch)
 * register the same implementation.
 */
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { PoolStateService } from "../gen/inferencerouter/v1/pool_state_pb.js";
import type { ExtendedRequestRouter } from "../routing/request-router.js";
import { parsePeerReport } from "../state/peer-load.js";
import type { PoolStore } from "../state/pool-store.js";
import { parseSnapshot, type SnapshotLimits } from "../state/snapshot.js";
import type { PoolChangeReason, PoolView } from "../state/types.js";
import { connectErrorFrom } from "./connect-error.js";
import { explainRequest } from "./explain.js";
import { poolToProto } from "./pool-to-proto.js";

export interface PoolStateServiceOptions {
  store: PoolStore;
  limits?: SnapshotLimits;
  /** The request pipeline, for Explain; without it Explain answers Unimplemented. */
  router?: () => ExtendedRequestRouter | undefined;
  /**
   * This replica's own peer source id: a peer report carrying it came from this very process (a peer
   * list or name that includes this replica) and is refused with AlreadyExists, which stops that loop.
   */
  peerSource?: string;
  /** Called after each accepted peer report. */
  onPeerReport?: (source: string, endpoints: number) => void;
  /** Called for each refused peer report, with the source it gave (unchecked) and the Connect code. */
  onPeerRefused?: (source: string, code: Code) => void;
  /** Called after each accepted push (for logs and metrics). */
  onPush?: (pool: string, source: string, sequence: bigint, endpoints: number) => void;
}

export function createPoolStateService(opts: PoolStateServiceOptions): ServiceImpl<typeof PoolStateService> {
  const { store } = opts;
  const isStale = (receivedAt: number) => store.clock.now() - receivedAt > store.staleAfterMs;
  /** One push: parsed, then applied; a refusal throws before anything changes. */
  const apply = (req: unknown) => {
    try {
      const snapshot = parseSnapshot(req, store.clock.now(), opts.limits);
      const result = store.push(snapshot);
      opts.onPush?.(snapshot.pool, snapshot.source, snapshot.sequence, result.endpointCount);
      return result;
    } catch (err) {
      throw connectErrorFrom(err);
    }
  };
  /** One peer report: parsed, then applied; a refusal throws before anything changes. */
  const applyPeer = (req: { source: string }) => {
    try {
      if (opts.peerSource !== undefined && req.source === opts.peerSource)
        throw new ConnectError(
          `source: "${req.source}" is this replica's own peer id: the peer list names this replica itself`,
          Code.AlreadyExists,
        );
      const report = parsePeerReport(req);
      const result = store.pushPeer(report);
      let endpoints = 0;
      for (const p of report.pools.values()) endpoints += p.size;
      opts.onPeerReport?.(report.source, endpoints);
      return result;
    } catch (err) {
      const e = connectErrorFrom(err);
      opts.onPeerRefused?.(typeof req.source === "string" ? req.source : "", e.code);
      throw e;
    }
  };
  const mustGet = (name: string): PoolView => {
    if (name === "") throw new ConnectError("pool: (missing) is required", Code.InvalidArgument);
    const pool = store.pool(name);
    if (!pool) throw new ConnectError(`pool "${name}" is not configured`, Code.NotFound);
    return pool;
  };
  return {
    pushSnapshot(req) {
      const result = apply(req);
      return { acceptedSequence: result.acceptedSequence, endpointCount: result.endpointCount };
    },
    async streamSnapshots(requests) {
      let last = { acceptedSequence: 0n, endpointCount: 0 };
      let accepted = 0;
      for await (const req of requests) {
        last = apply(req);
        accepted++;
      }
      return { ...last, acceptedPushes: accepted };
    },
    pushPeerLoad(req) {
      return applyPeer(req);
    },
    async streamPeerLoad(requests) {
      let last = { acceptedSequence: 0n };
      let accepted = 0;
      for await (const req of requests) {
        last = applyPeer(req);
        accepted++;
      }
      return { ...last, acceptedPushes: accepted };
    },
    getPool(req) {
      return { pool: poolToProto(mustGet(req.pool), isStale) };
    },
    listPools() {
      return { pools: store.pools().map((p) => poolToProto(p, isStale)) };
    },
    explain(req) {
      const router = opts.router?.();
      if (!router)
        throw new ConnectError(
          "Explain needs the scheduler, which this server does not run",
          Code.Unimplemented,
        );
      try {
        return explainRequest(router, req);
      } catch (err) {
        throw connectErrorFrom(err);
      }
    },
    async *watchPool(req, ctx: HandlerContext) {
      mustGet(req.pool);
      const changes = watchChanges(store, req.pool, ctx.signal);
      yield { reason: "initial", pool: poolToProto(mustGet(req.pool), isStale) };
      for await (const reason of changes) {
        const pool = store.pool(req.pool);
        if (!pool)
          throw new ConnectError(`pool "${req.pool}" was removed from the configuration`, Code.NotFound);
        yield { reason, pool: poolToProto(pool, isStale) };
      }
    },
  };
}

/**
 * Changes of one pool as an async stream. Bursts coalesce: a slow reader gets the latest state,
 * not a backlog (the reason reported is the latest one).
 */
async function* watchChanges(
  store: PoolStore,
  pool: string,
  signal: AbortSignal,
): AsyncGenerator<PoolChangeReason> {
  let pending: PoolChangeReason | undefined;
  let wake: (() => void) | undefined;
  const unsubscribe = store.subscribe((c) => {
    if (c.pool !== pool) return;
    pending = c.reason;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    while (!signal.aborted) {
      if (pending === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const reason = pending;
      pending = undefined;
      yield reason;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}
