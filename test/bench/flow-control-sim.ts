/**
 * The quality bench's virtual-time run (test/bench/quality/simulation.ts: real PoolStore, real
 * scheduler, src/sim engines pushing staggered, delayed snapshots) with the REAL flow controller in
 * front of the scheduler, on the same manual clock: TTL timers are events of the run, dispatch is
 * triggered by snapshot deliveries and by finished requests (leases released). Without
 * `flowControl` the legacy admission applies (sheddable + saturated = refused at once).
 * A separate loop rather than an option of simulation.ts, which another bench owns.
 */
import { createManualClock } from "../../src/core/clock.js";
import { RouterError } from "../../src/core/errors.js";
import { createSeededRandom, type Random } from "../../src/core/random.js";
import type { FlowControlConfig } from "../../src/flowcontrol/config.js";
import { FlowController } from "../../src/flowcontrol/flow-controller.js";
import { droppedReasonOf } from "../../src/flowcontrol/outcomes.js";
import { createPoolSaturation } from "../../src/flowcontrol/pool-saturation.js";
import { enginePriorityValue } from "../../src/proxy/engine-priority.js";
import type { Timers } from "../../src/push/timers.js";
import { defaultSchedulerConfig } from "../../src/scheduling/config/default-config.js";
import type {
  SaturationDetectorConfig,
  SchedulerConfig,
} from "../../src/scheduling/config/scheduler-config.js";
import { defaultSaturationThresholds } from "../../src/scheduling/saturation/utilization-detector.js";
import { createScheduler } from "../../src/scheduling/scheduler.js";
import type { SchedulingRequest } from "../../src/scheduling/types.js";
import { createEngine, type Engine, type EngineRequest, type PresetName } from "../../src/sim/index.js";
import type { Lease } from "../../src/state/in-flight.js";
import { PoolStore } from "../../src/state/pool-store.js";
import type { Snapshot } from "../../src/state/types.js";
import { EventKind, EventQueue } from "./quality/event-queue.js";
import { replicaAddress, replicaSnapshot } from "./quality/replica-snapshot.js";
import type { BenchRequest } from "./quality/workloads/workload.js";

const POOL = "bench";
/** An event kind of this run only: a flow-control timer (TTL) falls due. */
const TIMER = 4 as EventKind;

/** A request of a flow-control run: a quality-bench request with a band and a flow. */
export interface FlowBenchRequest extends BenchRequest {
  priority: number;
  flowId: string;
}

export interface FlowSimulationOptions {
  replicas: number;
  preset: PresetName;
  pushIntervalMs: number;
  pushDelayMs: readonly [number, number];
  seed: number;
  config: SchedulerConfig | undefined;
  /** The saturation detector's thresholds (EndpointPickerConfig `saturationDetector`); default 5 / 0.8. */
  thresholds?: SaturationDetectorConfig;
  /** Count finished requests as room before the next push shows it (the router core does). Default true. */
  completionCredit?: boolean;
  /**
   * Engine-side priority: the engines run vLLM's `--scheduling-policy priority` and each request
   * carries `priority` as the router's `enginePriority: vllm` forward writes it. Default off (fcfs).
   */
  enginePriority?: boolean;
  /** FlowController's eviction confirmation grace (ms); default its own (10 ms). */
  evictionGraceMs?: number;
  /** Flow control's settings; undefined = gate off (legacy admission). */
  flowControl: FlowControlConfig | undefined;
}

/** How a request ended. */
export const Outcome = { Served: 0, Refused: 1, Expired: 2, Failed: 3, Evicted: 4 } as const;

export interface FlowSimulationResult {
  /** Per request (aligned with the input): virtual ms, NaN when not served. */
  firstTokenMs: Float64Array;
  finishMs: Float64Array;
  outcome: Uint8Array;
  /** Output tokens emitted in the window, per flow id and in total. */
  windowTokensByFlow: Map<string, number>;
  /** Output tokens of the window, less those of requests evicted later (the client got an error). */
  windowOutputTokens: number;
  /** Output tokens emitted in the window by requests evicted later (work thrown away). */
  windowEvictedTokens: number;
  /** Most requests waiting in flow control at once. */
  maxQueued: number;
  /** Per request: virtual ms of its dispatch to an engine, NaN when never dispatched. */
  dispatchMs: Float64Array;
  /** Per request: start of the engine step that produced its first token (its prefill's last chunk). */
  firstStepStartMs: Float64Array;
  leftInFlight: number;
}

interface SimRequest extends EngineRequest {
  index: number;
}

export function runFlowSimulation(
  requests: readonly FlowBenchRequest[],
  o: FlowSimulationOptions,
  window: readonly [number, number],
): FlowSimulationResult {
  const n = requests.length;
  const clock = createManualClock(0);
  const store = new PoolStore({ clock, staleAfterMs: 2_000, expireAfterMs: 60_000 });
  store.configurePools([{ name: POOL, targetPorts: [8000] }]);
  const rnd: Random = createSeededRandom(o.seed ^ 0x2545f491);
  const engines: Engine<SimRequest>[] = [];
  const byAddress = new Map<string, number>();
  for (let i = 0; i < o.replicas; i++) {
    engines.push(
      createEngine<SimRequest>({
        preset: o.preset,
        schedulingPolicy: o.enginePriority ? "priority" : "fcfs",
      }),
    );
    byAddress.set(replicaAddress(i), i);
  }
  const sequences = new Array<bigint>(o.replicas).fill(0n);
  const pending: (Snapshot | undefined)[] = new Array(o.replicas);
  const snapshotOf = (i: number, now: number): Snapshot => {
    sequences[i]! += 1n;
    return replicaSnapshot(POOL, i, engines[i]!.metrics(), sequences[i]!, now);
  };
  for (let i = 0; i < o.replicas; i++) store.push(snapshotOf(i, 0));
  const scheduler = createScheduler({
    store,
    config: o.thresholds
      ? { ...(o.config ?? defaultSchedulerConfig()), saturationDetector: o.thresholds }
      : o.config,
    random: createSeededRandom(o.seed),
  });

  const q = new EventQueue();
  // Virtual timers for the flow controller's TTLs.
  const timerFns = new Map<number, () => void>();
  let nextTimer = 1;
  const timers: Timers = {
    set(fn, ms) {
      const id = nextTimer++;
      timerFns.set(id, fn);
      q.push(clock.now() + ms, TIMER, id);
      return id;
    },
    clear(handle) {
      timerFns.delete(handle as number);
    },
  };
  const thresholds = o.thresholds ?? defaultSaturationThresholds;
  const pools = createPoolSaturation(store, () => thresholds);
  const fc =
    o.flowControl &&
    new FlowController({
      clock,
      timers,
      config: o.flowControl,
      saturation: (p) => pools.saturation(p),
      hasEndpoints: (p) => pools.hasEndpoints(p),
      ...(o.evictionGraceMs !== undefined && { evictionConfirmationGraceMs: o.evictionGraceMs }),
    });

  for (let i = 0; i < o.replicas; i++) q.push(rnd.next() * o.pushIntervalMs, EventKind.PushObserve, i);
  if (n > 0) q.push(requests[0]!.arrivalMs, EventKind.Arrival, 0);

  const firstTokenMs = new Float64Array(n).fill(Number.NaN);
  const firstStepStartMs = new Float64Array(n).fill(Number.NaN);
  const stepStart = new Float64Array(o.replicas);
  const finishMs = new Float64Array(n).fill(Number.NaN);
  const outcome = new Uint8Array(n);
  const leases: (Lease | undefined)[] = new Array(n);
  const dispatchedAt = new Float64Array(n).fill(Number.NaN);
  const stepping = new Uint8Array(o.replicas);
  const stepFirst: number[][] = engines.map(() => []);
  const stepFinished: number[][] = engines.map(() => []);
  const stepEmitted: number[][] = engines.map(() => []);
  const windowTokensByFlow = new Map<string, number>();
  let windowOutputTokens = 0;
  let windowEvictedTokens = 0;
  const windowTokensOf = new Float64Array(n);
  const evicted = new Uint8Array(n);
  let done = 0;
  let maxQueued = 0;

  /** The scheduler's pick for request i, and the request sent to that replica's engine. */
  const dispatch = (i: number, flowControlled: boolean): void => {
    const r = requests[i]!;
    const t = clock.now();
    const request: SchedulingRequest = {
      requestId: String(i),
      targetModel: r.model,
      priority: r.priority,
      promptTokens: r.promptTokens,
      maxTokens: r.maxTokens,
      prefixHashes: r.hashes,
    };
    const result = scheduler.schedule(POOL, request, flowControlled ? { flowControlled } : undefined);
    const replica = byAddress.get(result.endpoints[0]!.address)!;
    leases[i] = result.lease;
    dispatchedAt[i] = t;
    if (flowControlled && fc !== undefined) {
      const finished = fc.dispatched(fcRequest(i), () => {
        // Evicted in flight: the engine drops it, its lease goes back, the client gets 429 `evicted`.
        engines[replica]!.cancel(String(i));
        evicted[i] = 1;
        outcome[i] = Outcome.Evicted;
        windowOutputTokens -= windowTokensOf[i]!;
        windowEvictedTokens += windowTokensOf[i]!;
        const f = requests[i]!.flowId;
        windowTokensByFlow.set(f, (windowTokensByFlow.get(f) ?? 0) - windowTokensOf[i]!);
        const lease = leases[i];
        leases[i] = undefined;
        done++;
        if (lease !== undefined && o.completionCredit !== false)
          pools.released(POOL, lease.address, dispatchedAt[i]!, lease.tokens);
        lease?.release();
        finishedOf[i] = undefined;
      });
      finishedOf[i] = finished;
    }
    const priority = enginePriorityValue(o.enginePriority ? "vllm" : "off", r.priority);
    engines[replica]!.submit(
      {
        index: i,
        id: String(i),
        promptTokens: r.promptTokens,
        maxTokens: r.maxTokens,
        prefixKeys: r.hashes,
        ...(priority !== undefined && { priority }),
      },
      t,
    );
    if (stepping[replica] === 0) {
      stepping[replica] = 1;
      q.push(t, EventKind.StepEnd, replica);
    }
  };
  const finishedOf: ((() => void) | undefined)[] = new Array(n);
  const fcRequest = (i: number) => {
    const r = requests[i]!;
    return {
      pool: POOL,
      flowId: r.flowId,
      priority: r.priority,
      bytes: r.promptTokens * 4,
      inputTokens: r.promptTokens,
      outputTokens: r.maxTokens,
    };
  };
  const dropped = (i: number, err: unknown) => {
    outcome[i] = droppedReasonOf(err) === "rejected-ttl-expired" ? Outcome.Expired : Outcome.Refused;
    if (!(err instanceof RouterError)) outcome[i] = Outcome.Failed;
    done++;
  };

  while (done < n && q.pop()) {
    const t = q.time;
    const i = q.index;
    clock.set(t);
    switch (q.kind) {
      case EventKind.Arrival: {
        if (i + 1 < n) q.push(requests[i + 1]!.arrivalMs, EventKind.Arrival, i + 1);
        try {
          if (fc === undefined) dispatch(i, false);
          else {
            fc.enqueue(
              fcRequest(i),
              () => dispatch(i, true),
              (err) => {
                if (err !== undefined) dropped(i, err);
              },
            );
            if (fc.queued > maxQueued) maxQueued = fc.queued;
          }
        } catch (err) {
          dropped(i, err);
        }
        break;
      }
      case EventKind.StepEnd: {
        for (const k of stepFirst[i]!) {
          if (evicted[k] !== 0) continue;
          firstTokenMs[k] = t;
          firstStepStartMs[k] = stepStart[i]!;
        }
        const inWindow = t >= window[0] && t < window[1];
        if (inWindow) {
          for (const k of stepEmitted[i]!) {
            if (evicted[k] !== 0) continue;
            windowOutputTokens++;
            windowTokensOf[k]!++;
            const f = requests[k]!.flowId;
            windowTokensByFlow.set(f, (windowTokensByFlow.get(f) ?? 0) + 1);
          }
        }
        let released = false;
        for (const k of stepFinished[i]!) {
          if (evicted[k] !== 0) continue;
          finishedOf[k]?.();
          finishedOf[k] = undefined;
          finishMs[k] = t;
          const lease = leases[k];
          if (lease !== undefined && fc !== undefined && o.completionCredit !== false)
            pools.released(POOL, lease.address, dispatchedAt[k]!, lease.tokens);
          lease?.release();
          leases[k] = undefined;
          released = true;
          done++;
        }
        stepFirst[i]!.length = 0;
        stepFinished[i]!.length = 0;
        stepEmitted[i]!.length = 0;
        const engine = engines[i]!;
        if (engine.hasWork()) {
          const step = engine.step(t);
          stepStart[i] = step.startMs;
          for (const r of step.firstToken) stepFirst[i]!.push(r.index);
          for (const r of step.finished) stepFinished[i]!.push(r.index);
          for (const r of step.emitted) stepEmitted[i]!.push(r.index);
          q.push(step.endMs, EventKind.StepEnd, i);
        } else stepping[i] = 0;
        // A finished request released its lease: room may have opened.
        if (released) fc?.notify(POOL);
        break;
      }
      case EventKind.PushObserve: {
        pending[i] = snapshotOf(i, t);
        q.push(
          t + o.pushDelayMs[0] + rnd.next() * (o.pushDelayMs[1] - o.pushDelayMs[0]),
          EventKind.PushDeliver,
          i,
        );
        q.push(t + o.pushIntervalMs, EventKind.PushObserve, i);
        break;
      }
      case EventKind.PushDeliver: {
        const s = pending[i];
        pending[i] = undefined;
        if (s) {
          store.push(s);
          fc?.notify(POOL);
        }
        break;
      }
      default: {
        const fn = timerFns.get(i);
        timerFns.delete(i);
        fn?.();
      }
    }
  }
  fc?.shutdown();
  let leftInFlight = 0;
  for (const e of store.endpoints(POOL) ?? []) leftInFlight += e.inFlight.requests;
  scheduler.dispose();
  return {
    firstTokenMs,
    finishMs,
    outcome,
    windowTokensByFlow,
    windowOutputTokens,
    windowEvictedTokens,
    maxQueued,
    dispatchMs: dispatchedAt,
    firstStepStartMs,
    leftInFlight,
  };
}
