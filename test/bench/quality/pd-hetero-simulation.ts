/**
 * A virtual-time run for the heterogeneous-pool and P/D benchmarks (bench:pd-hetero): like
 * simulation.ts (the REAL scheduler over src/sim engines, pushes every `pushIntervalMs` arriving
 * `pushDelayMs` later, leases released at the last token) plus what those two need:
 * - per-replica presets and labels (accelerator, `llm-d.ai/role`), pushed in every snapshot;
 * - disaggregated requests: when the pick carries a prefill endpoint, the prompt runs there with one
 *   output token, its KV crosses the link (`kvTransferMs`), then the decode replica decodes it
 *   (EngineRequest.remotePrefill); TTFT is the decode replica's first token, as the client sees it;
 * - per-replica busy time, for cost (busy GPU-hours x price: what a fleet sized to its work pays).
 */
import { createManualClock } from "../../../src/core/clock.js";
import { createSeededRandom, type Random } from "../../../src/core/random.js";
import { pairLeases } from "../../../src/routing/paired-lease.js";
import type { SchedulerConfig } from "../../../src/scheduling/config/scheduler-config.js";
import { createScheduler } from "../../../src/scheduling/scheduler.js";
import type { SchedulingRequest } from "../../../src/scheduling/types.js";
import {
  createEngine,
  type Engine,
  type EngineRequest,
  kvTransferMs,
  type PresetName,
} from "../../../src/sim/index.js";
import type { Lease } from "../../../src/state/in-flight.js";
import { PoolStore } from "../../../src/state/pool-store.js";
import type { Snapshot } from "../../../src/state/types.js";
import { benchmarkPlugins } from "../baselines/registry.js";
import { EventKind, EventQueue } from "./event-queue.js";
import { replicaAddress, replicaSnapshot } from "./replica-snapshot.js";
import type { BenchRequest } from "./workloads/workload.js";

const POOL = "bench";
/** A prompt's KV has crossed the link: request `index` goes to its decode replica. */
const KvArrive = 7 as EventKind;

export interface ReplicaSpec {
  preset: PresetName;
  /** Pushed with every snapshot (accelerator, llm-d.ai/role...). */
  labels: Record<string, string>;
  /** USD per GPU-hour, for the cost figure. */
  costPerHour: number;
}

export interface PdHeteroOptions {
  replicas: readonly ReplicaSpec[];
  config: SchedulerConfig;
  pushIntervalMs: number;
  pushDelayMs: readonly [number, number];
  seed: number;
  /** KV link bandwidth between replicas, bytes/s. */
  kvLinkBytesPerSec: number;
}

export interface PdHeteroResult {
  ttftMs: Float64Array;
  tpotMs: Float64Array;
  e2eMs: Float64Array;
  /** Requests whose pick carried a prefill endpoint. */
  disaggregated: number;
  perReplica: number[];
  busyMs: number[];
  /** Output tokens of the measured requests. */
  outputTokens: number;
  /** USD of busy GPU time over the whole run. */
  costUsd: number;
  endMs: number;
  leftInFlight: number;
}

interface SimRequest extends EngineRequest {
  index: number;
  /** True for the prefill half of a disaggregated request. */
  prefillOnly: boolean;
}

export function runPdHetero(requests: readonly BenchRequest[], o: PdHeteroOptions): PdHeteroResult {
  const n = requests.length;
  const clock = createManualClock(0);
  const store = new PoolStore({ clock, staleAfterMs: 2_000, expireAfterMs: 60_000 });
  store.configurePools([{ name: POOL, targetPorts: [8000] }]);
  const rnd: Random = createSeededRandom(o.seed ^ 0x2545f491);
  const engines: Engine<SimRequest>[] = [];
  const byAddress = new Map<string, number>();
  o.replicas.forEach((r, i) => {
    engines.push(createEngine<SimRequest>({ preset: r.preset }));
    byAddress.set(replicaAddress(i), i);
  });
  const m = o.replicas.length;
  const sequences = new Array<bigint>(m).fill(0n);
  const snapshotOf = (i: number, now: number): Snapshot => {
    sequences[i]! += 1n;
    const s = replicaSnapshot(POOL, i, engines[i]!.metrics(), sequences[i]!, now);
    s.endpoints[0]!.labels = o.replicas[i]!.labels;
    return s;
  };
  for (let i = 0; i < m; i++) store.push(snapshotOf(i, 0));
  const scheduler = createScheduler({
    store,
    config: o.config,
    random: createSeededRandom(o.seed),
    registry: benchmarkPlugins,
  });
  const q = new EventQueue();
  for (let i = 0; i < m; i++) q.push(rnd.next() * o.pushIntervalMs, EventKind.PushObserve, i);
  if (n > 0) q.push(requests[0]!.arrivalMs, EventKind.Arrival, 0);

  const first = new Float64Array(n).fill(Number.NaN);
  const finish = new Float64Array(n).fill(Number.NaN);
  const leases: (Lease | undefined)[] = new Array(n);
  const decodeOf = new Int32Array(n);
  const perReplica = new Array<number>(m).fill(0);
  const stepping = new Uint8Array(m);
  const stepFirst: number[][] = engines.map(() => []);
  const stepFinished: number[][] = engines.map(() => []);
  const stepPrefilled: number[][] = engines.map(() => []);
  const pending: (Snapshot | undefined)[] = new Array(m);
  let done = 0;
  let disaggregated = 0;
  const request: SchedulingRequest = {
    requestId: "",
    targetModel: "",
    priority: 0,
    promptTokens: 0,
    maxTokens: 0,
    prefixHashes: [],
  };
  const [delayMin, delayMax] = o.pushDelayMs;
  const wake = (replica: number, t: number) => {
    if (stepping[replica] === 0) {
      stepping[replica] = 1;
      q.push(t, EventKind.StepEnd, replica);
    }
  };
  const submit = (replica: number, i: number, t: number, prefillOnly: boolean, remote: boolean) => {
    const r = requests[i]!;
    const req: SimRequest = {
      index: i,
      prefillOnly,
      id: `${prefillOnly ? "p" : "d"}${i}`,
      promptTokens: r.promptTokens,
      maxTokens: prefillOnly ? 1 : r.maxTokens,
      prefixKeys: r.engineKeys ?? r.hashes,
    };
    if (remote) req.remotePrefill = true;
    engines[replica]!.submit(req, t);
    wake(replica, t);
  };

  while (done < n && q.pop()) {
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
        const result = scheduler.schedule(POOL, request);
        const decode = byAddress.get(result.endpoints[0]!.address)!;
        decodeOf[i] = decode;
        leases[i] = pairLeases(result.lease, result.prefill?.lease);
        perReplica[decode]!++;
        if (result.prefill) {
          disaggregated++;
          const p = byAddress.get(result.prefill.endpoint.address)!;
          perReplica[p]!++;
          submit(p, i, t, true, false);
        } else submit(decode, i, t, false, false);
        if (i + 1 < n) q.push(requests[i + 1]!.arrivalMs, EventKind.Arrival, i + 1);
        break;
      }
      case KvArrive:
        submit(decodeOf[i]!, i, t, false, true);
        break;
      case EventKind.StepEnd: {
        for (const k of stepFirst[i]!) first[k] = t;
        for (const k of stepFinished[i]!) {
          finish[k] = t;
          leases[k]?.release();
          leases[k] = undefined;
          done++;
        }
        const spec = engines[i]!.config;
        for (const k of stepPrefilled[i]!)
          q.push(
            t + kvTransferMs(requests[k]!.promptTokens, spec.kvBytesPerToken, o.kvLinkBytesPerSec),
            KvArrive,
            k,
          );
        stepFirst[i]!.length = 0;
        stepFinished[i]!.length = 0;
        stepPrefilled[i]!.length = 0;
        const engine = engines[i]!;
        if (!engine.hasWork()) {
          stepping[i] = 0;
          break;
        }
        const step = engine.step(t);
        for (const r of step.firstToken) if (!r.prefillOnly) stepFirst[i]!.push(r.index);
        for (const r of step.finished) {
          if (r.prefillOnly) stepPrefilled[i]!.push(r.index);
          else stepFinished[i]!.push(r.index);
        }
        q.push(step.endMs, EventKind.StepEnd, i);
        break;
      }
      case EventKind.PushObserve: {
        pending[i] = snapshotOf(i, t);
        q.push(t + delayMin + rnd.next() * (delayMax - delayMin), EventKind.PushDeliver, i);
        q.push(t + o.pushIntervalMs, EventKind.PushObserve, i);
        break;
      }
      case EventKind.PushDeliver: {
        const s = pending[i];
        pending[i] = undefined;
        if (s) store.push(s);
        break;
      }
    }
  }
  const ttftMs = new Float64Array(n);
  const tpotMs = new Float64Array(n);
  const e2eMs = new Float64Array(n);
  let outputTokens = 0;
  for (let k = 0; k < n; k++) {
    const r = requests[k]!;
    ttftMs[k] = first[k]! - r.arrivalMs;
    e2eMs[k] = finish[k]! - r.arrivalMs;
    tpotMs[k] = r.maxTokens > 1 ? (finish[k]! - first[k]!) / (r.maxTokens - 1) : 0;
    outputTokens += r.maxTokens;
  }
  const busyMs = engines.map((e) => e.metrics().busyMs);
  let costUsd = 0;
  busyMs.forEach((b, i) => {
    costUsd += (b / 3_600_000) * o.replicas[i]!.costPerHour;
  });
  let leftInFlight = 0;
  for (const e of store.endpoints(POOL) ?? []) leftInFlight += e.inFlight.requests;
  scheduler.dispose();
  return {
    ttftMs,
    tpotMs,
    e2eMs,
    disaggregated,
    perReplica,
    busyMs,
    outputTokens,
    costUsd,
    endMs: clock.now(),
    leftInFlight,
  };
}
