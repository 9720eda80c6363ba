/**
 * One run point in virtual time with the REAL core: a PoolStore on a manual clock, the scheduler
 * built from a strategy's EndpointPickerConfig, in-flight leases (taken at pick, released when the
 * request's last token is out), and one src/sim engine per replica. Replicas push their metrics every
 * `pushIntervalMs` (staggered) and each snapshot reaches the store `pushDelayMs` later, so the router
 * decides on slightly old metrics plus its own in-flight counts, as in production.
 *
 * With `routers` > 1 the traffic is split at random over that many router replicas, each with its
 * own store (pushes reach each one with its own delay), scheduler and leases: a replica sees only
 * its own in-flight requests, as several endpoint-picker replicas behind one gateway do. With
 * `connections` the client's keep-alive pool picks the endpoint (the Kubernetes Service baseline)
 * and no scheduler runs at all.
 */

import { toBinary } from "@bufbuild/protobuf";
import { createManualClock } from "../../../src/core/clock.js";
import { createSeededRandom, type Random } from "../../../src/core/random.js";
import { PushPeerLoadRequestSchema } from "../../../src/gen/inferencerouter/v1/pool_state_pb.js";
import {
  DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND,
  peerReportMessage,
} from "../../../src/push/peer-publisher.js";
import type { SchedulerConfig } from "../../../src/scheduling/config/scheduler-config.js";
import { createScheduler } from "../../../src/scheduling/scheduler.js";
import type { SchedulingRequest } from "../../../src/scheduling/types.js";
import {
  createEngine,
  type Engine,
  type EngineOptions,
  type EngineRequest,
  type PresetName,
} from "../../../src/sim/index.js";
import type { Lease } from "../../../src/state/in-flight.js";
import { type PeerReport, parsePeerReport } from "../../../src/state/peer-load.js";
import { PoolStore } from "../../../src/state/pool-store.js";
import type { Snapshot } from "../../../src/state/types.js";
import { benchmarkPlugins } from "../baselines/registry.js";
import { type ConnectionPool, createConnectionPool } from "./connection-pool.js";
import { EventKind, EventQueue } from "./event-queue.js";
import { replicaAddress, replicaSnapshot } from "./replica-snapshot.js";
import type { BenchRequest } from "./workloads/workload.js";

export const POOL = "bench";

/** How the simulated deployment is set up. */
export interface SimulationOptions {
  replicas: number;
  preset: PresetName;
  engine?: { loraLoadMs?: number; maxLoras?: number };
  /** Per-replica engine overrides (a heterogeneous pool), applied before `engine`; cycled when shorter. */
  engines?: readonly EngineOptions[];
  /** Router replicas splitting the traffic, each with its own store view. Default 1. */
  routers?: number;
  /** The client's keep-alive pool picks the endpoint instead of a scheduler (kubernetes-service). */
  connections?: { count: number; lifetimeMs?: number };
  /** Metrics push period per replica, ms. */
  pushIntervalMs: number;
  /** Push delay drawn uniformly from [min, max] ms. */
  pushDelayMs: readonly [number, number];
  /** Seeds the scheduler's tie-breaks and the push phases/delays. */
  seed: number;
  /** The strategy's EndpointPickerConfig (unused with `connections`). */
  config: SchedulerConfig | undefined;
  /**
   * Router replicas share their in-flight counts (serve --peers): each reports to every other one
   * every `intervalMs` when its report changed (heartbeat 500 ms), arriving `delayMs` later, with up to
   * `prefixBlocksPerSecond` prefix blocks per endpoint (serve --peer-prefix-blocks; default 32, 0 =
   * in-flight only). Default off.
   */
  peerSharing?: { intervalMs: number; delayMs: readonly [number, number]; prefixBlocksPerSecond?: number };
}

/** A/B knob: QUALITY_PEER_PREFIX_BLOCKS=0 shares in-flight only (as before issue 22's prefix placements). */
const envPrefixBlocks =
  process.env.QUALITY_PEER_PREFIX_BLOCKS !== undefined
    ? Number(process.env.QUALITY_PEER_PREFIX_BLOCKS)
    : undefined;

/** Per-request outcomes (ms, aligned with the input) and engine totals. */
export interface SimulationResult {
  firstTokenMs: Float64Array;
  finishMs: Float64Array;
  /** Times each request was counted finished (the bookkeeping check: exactly 1 each). */
  completions: Uint8Array;
  /** Output tokens emitted at step ends in [from, to) of `countTokensBetween`. */
  windowOutputTokens: number;
  preemptions: number;
  prefixCacheQueries: number;
  prefixCacheHits: number;
  /** Requests per replica (by pick). */
  perReplica: number[];
  endMs: number;
  events: number;
  /** The router's outstanding requests left on all endpoints at the end (0 when every lease was released). */
  leftInFlight: number;
  /** Peer sharing: reports delivered, and their bytes on the wire (protobuf + 5 B envelope + 9 B HTTP/2 frame). */
  peerReports?: number;
  peerBytes?: number;
  /** Peer bytes of reports sent within the `window` of the run. */
  peerWindowBytes?: number;
}

interface SimRequest extends EngineRequest {
  index: number;
}

/**
 * The kubernetes-service client of a run with `seed`: its connections' initial bindings are what a
 * report can state (how many endpoints the K connections actually reach).
 */
export function serviceClient(
  seed: number,
  connections: number,
  replicas: number,
  lifetimeMs?: number,
): ConnectionPool {
  return createConnectionPool({
    connections,
    endpoints: replicas,
    random: createSeededRandom(seed ^ 0x1b873593),
    ...(lifetimeMs !== undefined ? { lifetimeMs } : {}),
  });
}

/** Runs `requests` (arrival order) to completion. `window` bounds the output-token throughput count. */
export function runSimulation(
  requests: readonly BenchRequest[],
  o: SimulationOptions,
  window: readonly [number, number],
): SimulationResult {
  const n = requests.length;
  const routers = o.routers ?? 1;
  const clock = createManualClock(0);
  const stores: PoolStore[] = [];
  for (let r = 0; r < routers; r++) {
    const store = new PoolStore({ clock, staleAfterMs: 2_000, expireAfterMs: 60_000 });
    store.configurePools([{ name: POOL, targetPorts: [8000] }]);
    stores.push(store);
  }
  const rnd: Random = createSeededRandom(o.seed ^ 0x2545f491);
  const engines: Engine<SimRequest>[] = [];
  const addresses: string[] = [];
  const byAddress = new Map<string, number>();
  for (let i = 0; i < o.replicas; i++) {
    const own = o.engines && o.engines.length > 0 ? o.engines[i % o.engines.length] : undefined;
    engines.push(createEngine<SimRequest>({ preset: o.preset, ...own, ...o.engine }));
    const address = replicaAddress(i);
    addresses.push(address);
    byAddress.set(address, i);
  }
  const sequences = new Array<bigint>(o.replicas).fill(0n);
  // One pending snapshot per (replica, router): slot replica * routers + router.
  const pending: (Snapshot | undefined)[] = new Array(o.replicas * routers);
  const snapshotOf = (i: number, now: number): Snapshot => {
    sequences[i]! += 1n;
    return replicaSnapshot(POOL, i, engines[i]!.metrics(), sequences[i]!, now);
  };
  for (let i = 0; i < o.replicas; i++) {
    const s = snapshotOf(i, 0);
    for (const store of stores) store.push(s);
  }
  const client: ConnectionPool | undefined = o.connections
    ? serviceClient(o.seed, o.connections.count, o.replicas, o.connections.lifetimeMs)
    : undefined;
  const schedulers = client
    ? []
    : stores.map((store, r) =>
        createScheduler({
          store,
          config: o.config,
          // Router 0 keeps the seed of a single-router run, so adding replicas changes nothing else.
          random: createSeededRandom(r === 0 ? o.seed : (o.seed + 0x9e3779b9 * r) >>> 0),
          registry: benchmarkPlugins,
        }),
      );
  const split: Random = createSeededRandom(o.seed ^ 0x68e31da4);

  const q = new EventQueue();
  for (let i = 0; i < o.replicas; i++) q.push(rnd.next() * o.pushIntervalMs, EventKind.PushObserve, i);
  const peers = routers > 1 ? o.peerSharing : undefined;
  // Peer sharing: the report in flight per (from, to) slot, each router's last report and when it was sent.
  const peerPending: (PeerReport | undefined)[] = new Array(routers * routers);
  const peerLast: (Uint8Array | undefined)[] = new Array(routers);
  const peerLastAt = new Float64Array(routers).fill(Number.NEGATIVE_INFINITY);
  const peerSequence = new Array<bigint>(routers).fill(0n);
  let peerReports = 0;
  let peerBytes = 0;
  let peerWindowBytes = 0;
  if (peers)
    for (let r = 0; r < routers; r++) q.push(rnd.next() * peers.intervalMs, EventKind.PeerObserve, r);
  if (n > 0) q.push(requests[0]!.arrivalMs, EventKind.Arrival, 0);

  const firstTokenMs = new Float64Array(n).fill(Number.NaN);
  const finishMs = new Float64Array(n).fill(Number.NaN);
  const completions = new Uint8Array(n);
  const leases: (Lease | undefined)[] = new Array(n);
  const perReplica = new Array<number>(o.replicas).fill(0);
  // Events of the step in progress on each replica, delivered at its end (StepResult is reused).
  const stepping = new Uint8Array(o.replicas);
  const stepFirst: number[][] = engines.map(() => []);
  const stepFinished: number[][] = engines.map(() => []);
  const stepEmitted = new Float64Array(o.replicas);
  let done = 0;
  let windowOutputTokens = 0;
  let events = 0;
  const request: SchedulingRequest = {
    requestId: "",
    targetModel: "",
    priority: 0,
    promptTokens: 0,
    maxTokens: 0,
    prefixHashes: [],
  };
  const [delayMin, delayMax] = o.pushDelayMs;

  while (done < n && q.pop()) {
    events++;
    const t = q.time;
    const i = q.index;
    clock.set(t);
    switch (q.kind) {
      case EventKind.Arrival: {
        const r = requests[i]!;
        request.requestId = String(i);
        request.targetModel = r.model;
        request.promptTokens = r.promptTokens;
        request.maxTokens = r.maxTokens;
        request.prefixHashes = r.hashes;
        let replica: number;
        if (client) replica = client.pick(t);
        else {
          const router = routers > 1 ? Math.min(routers - 1, Math.floor(split.next() * routers)) : 0;
          const result = schedulers[router]!.schedule(POOL, request);
          replica = byAddress.get(result.endpoints[0]!.address)!;
          leases[i] = result.lease;
        }
        perReplica[replica]!++;
        const engineRequest: SimRequest = {
          index: i,
          id: String(i),
          promptTokens: r.promptTokens,
          maxTokens: r.maxTokens,
          prefixKeys: r.engineKeys ?? r.hashes,
        };
        if (r.adapter !== undefined) engineRequest.adapter = r.adapter;
        engines[replica]!.submit(engineRequest, t);
        if (stepping[replica] === 0) {
          stepping[replica] = 1;
          q.push(t, EventKind.StepEnd, replica);
        }
        if (i + 1 < n) q.push(requests[i + 1]!.arrivalMs, EventKind.Arrival, i + 1);
        break;
      }
      case EventKind.StepEnd: {
        for (const k of stepFirst[i]!) firstTokenMs[k] = t;
        for (const k of stepFinished[i]!) {
          finishMs[k] = t;
          completions[k]!++;
          leases[k]?.release();
          leases[k] = undefined;
          done++;
        }
        if (t >= window[0] && t < window[1]) windowOutputTokens += stepEmitted[i]!;
        stepFirst[i]!.length = 0;
        stepFinished[i]!.length = 0;
        stepEmitted[i] = 0;
        const engine = engines[i]!;
        if (!engine.hasWork()) {
          stepping[i] = 0;
          break;
        }
        const step = engine.step(t);
        if (step.batchSize === 0) throw new Error(`replica ${i}: had work but scheduled nothing at ${t} ms`);
        for (const r of step.firstToken) stepFirst[i]!.push(r.index);
        for (const r of step.finished) stepFinished[i]!.push(r.index);
        stepEmitted[i] = step.emitted.length;
        q.push(step.endMs, EventKind.StepEnd, i);
        break;
      }
      case EventKind.PushObserve: {
        const s = snapshotOf(i, t);
        for (let r = 0; r < routers; r++) {
          pending[i * routers + r] = s;
          q.push(t + delayMin + rnd.next() * (delayMax - delayMin), EventKind.PushDeliver, i * routers + r);
        }
        q.push(t + o.pushIntervalMs, EventKind.PushObserve, i);
        break;
      }
      case EventKind.PushDeliver: {
        const s = pending[i];
        pending[i] = undefined;
        if (s) stores[i % routers]!.push(s);
        break;
      }
      case EventKind.PeerObserve: {
        const p = peers!;
        q.push(t + p.intervalMs, EventKind.PeerObserve, i);
        const message = peerReportMessage(
          stores[i]!,
          `router-${i}`,
          t,
          p.prefixBlocksPerSecond ?? envPrefixBlocks ?? DEFAULT_PEER_PREFIX_BLOCKS_PER_SECOND,
        );
        const bytes = toBinary(PushPeerLoadRequestSchema, message);
        const last = peerLast[i];
        const placed = message.pools.some((pool) => pool.endpoints.some((e) => e.prefixBlocks.length > 0));
        const same =
          !placed &&
          last !== undefined &&
          last.length === bytes.length &&
          last.every((b, k) => b === bytes[k]);
        if (same && t - peerLastAt[i]! < 500) break;
        peerLast[i] = bytes;
        peerLastAt[i] = t;
        peerSequence[i]! += 1n;
        message.sequence = peerSequence[i]!;
        const report = parsePeerReport(message);
        const wire = toBinary(PushPeerLoadRequestSchema, message).length + 5 + 9;
        for (let to = 0; to < routers; to++) {
          if (to === i) continue;
          peerPending[i * routers + to] = report;
          peerReports++;
          peerBytes += wire;
          if (t >= window[0] && t < window[1]) peerWindowBytes += wire;
          q.push(
            t + p.delayMs[0] + rnd.next() * (p.delayMs[1] - p.delayMs[0]),
            EventKind.PeerDeliver,
            i * routers + to,
          );
        }
        break;
      }
      case EventKind.PeerDeliver: {
        const report = peerPending[i];
        peerPending[i] = undefined;
        // A report overtaken by a newer one from the same router is dropped, as a replay would be.
        if (report) {
          try {
            stores[i % routers]!.pushPeer(report);
          } catch {
            // refused as not newer: nothing changes
          }
        }
        break;
      }
    }
  }
  let preemptions = 0;
  let prefixCacheQueries = 0;
  let prefixCacheHits = 0;
  for (const e of engines) {
    const m = e.metrics();
    preemptions += m.preemptions;
    prefixCacheQueries += m.prefixCacheQueries;
    prefixCacheHits += m.prefixCacheHits;
  }
  let leftInFlight = 0;
  for (const store of stores) {
    for (const e of store.endpoints(POOL) ?? []) leftInFlight += e.inFlight.requests;
  }
  for (const scheduler of schedulers) scheduler.dispose();
  return {
    ...(peers ? { peerReports, peerBytes, peerWindowBytes } : {}),
    leftInFlight,
    firstTokenMs,
    finishMs,
    completions,
    windowOutputTokens,
    preemptions,
    prefixCacheQueries,
    prefixCacheHits,
    perReplica,
    endMs: clock.now(),
    events,
  };
}
