/**
 * The scheduler: candidates -> admission (saturation, shedding) -> profiles (filters -> weighted
 * scorers -> picker) -> lease and learning. One instance per router, shared by every pool.
 * Synchronous and single-threaded by design: buffers are reused between decisions.
 */
import { RouterError } from "../core/errors.js";
import type { Random } from "../core/random.js";
import type { PoolStore } from "../state/pool-store.js";
import type { Endpoint } from "../state/types.js";
import {
  type ExcludedEndpoint,
  noEjection,
  type StaleEndpointPolicy,
  selectCandidates,
} from "./candidates.js";
import { buildProfiles } from "./config/build-profiles.js";
import { defaultSchedulerConfig } from "./config/default-config.js";
import type { SchedulerConfig } from "./config/scheduler-config.js";
import { commitPrefill, type DisaggSplit, disaggSplitOf, explainDisaggregation } from "./disagg-split.js";
import { watchEndpointDepartures } from "./endpoint-departures.js";
import { explainProfile } from "./explain-profile.js";
import type { Explanation } from "./explanation.js";
import type { CycleContext, Plugin } from "./framework/plugin.js";
import type { PrefixIndexOwner } from "./framework/prefix-index-owner.js";
import type { ProfileHandler } from "./framework/profile-handler.js";
import type {
  PluginTimer,
  ProfileRunResult,
  ProfileTrace,
  SchedulerProfile,
} from "./framework/scheduler-profile.js";
import { noopSchedulerMetrics, type SchedulerMetrics } from "./metrics.js";
import { createPrefixIndex } from "./prefix/lru-prefix-index.js";
import { createPlacementExchange } from "./prefix/placement-exchange.js";
import type { PrefixIndex, PrefixIndexFactory, PrefixIndexOptions } from "./prefix-index.js";
import { collectPrefixOwners } from "./prefix-owners.js";
import { builtinPlugins, type PluginRegistry } from "./registry.js";
import type { SaturationDetector } from "./saturation/saturation-detector.js";
import { createUtilizationDetector, defaultSaturationThresholds } from "./saturation/utilization-detector.js";
import type { ScheduleOptions, SchedulingRequest, SchedulingResult } from "./types.js";

export interface SchedulerOptions {
  /** Pools and endpoints; leases are taken here. */
  store: PoolStore;
  /** A parsed EndpointPickerConfig (src/api parses the manifest). Default: `defaultSchedulerConfig()`. */
  config?: SchedulerConfig | undefined;
  /** Randomness for tie-breaks and random pickers. */
  random: Random;
  /** Builds the index of every plugin that owns one (prefix-cache-scorer...). Default: `createPrefixIndex` from ./prefix/. */
  prefixIndexFactory?: PrefixIndexFactory;
  /** Metrics hooks. Default: no-op. */
  metrics?: SchedulerMetrics;
  /** Monotonic time in ms (performance.now-like) for durations; none = no timing at all. */
  now?: () => number;
  /** Stale endpoints: "exclude" (default), or "saturated" = used, as saturated, when no fresh one is left. */
  staleEndpoints?: StaleEndpointPolicy;
  /** Passive health: endpoints to skip because their connections just failed (OutlierEjection.isEjected). */
  isEjected?: (e: Endpoint) => boolean;
  /**
   * Told once when a pool's picks start being made among stale endpoints (`stale: true`, with how many)
   * and once when a pick finds a fresh endpoint again (`stale: false`): a runtime logs each change.
   */
  onStaleEndpoints?: (change: StaleEndpointChange) => void;
  /** Time plugins on one decision in this many (when `now` is given). Default 64. */
  pluginSampleEvery?: number;
  /** Plugin types available to the config. Default: the built-ins. */
  registry?: PluginRegistry;
}

/** A change of a pool between fresh picks and picks among stale endpoints (see onStaleEndpoints). */
export interface StaleEndpointChange {
  pool: string;
  /** True: this pick and the next ones use stale endpoints (counted as saturated). */
  stale: boolean;
  /** Stale endpoints the pick chose among (0 when `stale` is false). */
  endpoints: number;
}

export interface ExplainOptions {
  /** Randomness for this explain only, so explaining does not shift a seeded run. Default: the scheduler's. */
  random?: Random;
}

export interface Scheduler {
  /**
   * Picks endpoints for one request. Unless `dryRun`: takes the in-flight lease on the primary
   * (`result.lease`, the caller releases it), lets plugins learn (prefix-cache record) and counts
   * metrics.
   * @throws RouterError NotFound (unknown pool), ServiceUnavailable (no candidates, subset matched
   * nothing, a filter left nothing), ResourceExhausted (sheddable request while saturated).
   */
  schedule(pool: string, request: SchedulingRequest, options?: ScheduleOptions): SchedulingResult;
  /**
   * Runs the same decision with no side effects and reports every step. Scheduling errors are
   * reported in `error`; only an unknown pool throws (NotFound).
   */
  explain(pool: string, request: SchedulingRequest, options?: ExplainOptions): Explanation;
  /** Plugin instances by name. */
  readonly plugins: ReadonlyMap<string, Plugin>;
  readonly profiles: readonly SchedulerProfile[];
  /**
   * How the request side must hash prompts (blockSize, maxPrefixBlocksToMatch): the options shared by
   * every plugin that owns a prefix index (a config where they differ is refused); undefined when no
   * plugin owns one.
   */
  readonly prefixIndexOptions: PrefixIndexOptions | undefined;
  /** The plugins that own a prefix index (declared capability, see PrefixIndexOwner), in config order. */
  readonly prefixIndexOwners: readonly PrefixIndexOwner[];
  /** Their indexes, same order; each is purged when endpoints leave every pool. */
  readonly prefixIndexes: readonly PrefixIndex[];
  /** Stops listening to the store. */
  dispose(): void;
}

/**
 * Builds a scheduler from config.
 * @throws RouterError("BadRequest") for a bad config, naming the plugin or field.
 *
 * @example
 * const scheduler = createScheduler({ store, random: createSeededRandom(1) });
 * const { endpoints, lease } = scheduler.schedule("pool-a", request);
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  return new DefaultScheduler(options);
}

class DefaultScheduler implements Scheduler {
  readonly plugins: ReadonlyMap<string, Plugin>;
  readonly profiles: readonly SchedulerProfile[];
  readonly prefixIndexOptions: PrefixIndexOptions | undefined;
  readonly prefixIndexOwners: readonly PrefixIndexOwner[];
  readonly prefixIndexes: readonly PrefixIndex[];
  readonly #store: PoolStore;
  readonly #handler: ProfileHandler;
  readonly #detector: SaturationDetector;
  readonly #metrics: SchedulerMetrics;
  readonly #now: (() => number) | undefined;
  readonly #policy: StaleEndpointPolicy;
  readonly #sampleEvery: number;
  readonly #ctx: CycleContext;
  readonly #random: Random;
  readonly #isStale: (e: Endpoint) => boolean;
  readonly #isEjected: (e: Endpoint) => boolean;
  readonly #candidates: Endpoint[] = [];
  readonly #stale: Endpoint[] = [];
  readonly #results = new Map<string, ProfileRunResult | null>();
  readonly #timer: PluginTimer | undefined;
  readonly #unsubscribe: () => void;
  readonly #onStale: ((change: StaleEndpointChange) => void) | undefined;
  /** Pools whose last pick was made among stale endpoints. */
  readonly #stalePools = new Set<string>();
  #decisions = 0;

  constructor(o: SchedulerOptions) {
    const config = o.config ?? defaultSchedulerConfig();
    this.#metrics = o.metrics ?? noopSchedulerMetrics;
    // Peers (serve --peers) learn where this replica placed prompt blocks, and it from them.
    const placements = createPlacementExchange();
    const built = buildProfiles(config, {
      registry: o.registry ?? builtinPlugins,
      prefixIndexFactory: placements.wrap(o.prefixIndexFactory ?? createPrefixIndex),
      metrics: this.#metrics,
    });
    this.plugins = built.plugins;
    this.profiles = built.profiles;
    this.#handler = built.handler;
    this.#store = o.store;
    this.#random = o.random;
    this.#ctx = { random: o.random, dryRun: false };
    this.#detector = createUtilizationDetector(config.saturationDetector ?? defaultSaturationThresholds);
    this.#now = o.now;
    this.#policy = o.staleEndpoints ?? "exclude";
    this.#onStale = o.onStaleEndpoints;
    this.#sampleEvery = Math.max(1, o.pluginSampleEvery ?? 64);
    this.#isStale = (e) => o.store.isStale(e);
    this.#isEjected = o.isEjected ?? noEjection;
    const now = o.now;
    const metrics = this.#metrics;
    this.#timer = now && {
      now,
      time: (point, type, name, start) =>
        metrics.observePluginDuration(point, type, name, (now() - start) / 1000),
    };
    const prefix = collectPrefixOwners(built.plugins.values());
    this.prefixIndexOwners = prefix.owners;
    this.prefixIndexes = prefix.owners.map((p) => p.prefixIndex);
    this.prefixIndexOptions = prefix.hashing;
    const indexes = this.prefixIndexes;
    if (indexes.length > 0) {
      const unwatch = watchEndpointDepartures(o.store, (keep) => {
        for (const index of indexes) index.purge(keep);
      });
      const detach = o.store.attachPlacements(placements);
      this.#unsubscribe = () => {
        unwatch();
        detach();
      };
    } else this.#unsubscribe = () => {};
  }

  schedule(pool: string, request: SchedulingRequest, options?: ScheduleOptions): SchedulingResult {
    const dryRun = options?.dryRun === true;
    const now = this.#now;
    const start = now ? now() : 0;
    const ctx = this.#ctx;
    ctx.random = this.#random;
    ctx.dryRun = dryRun;
    const sample = !dryRun && ++this.#decisions % this.#sampleEvery === 0;
    try {
      const { profile, result, saturation, usedStale, disagg } = this.#decide(
        pool,
        request,
        ctx,
        undefined,
        sample ? this.#timer : undefined,
        options?.flowControlled === true,
      );
      const out: SchedulingResult = { profile: profile.name, endpoints: result.endpoints, saturation };
      if (profile.picker.usesScores) out.scores = result.scores;
      const prefill = disagg?.prefill;
      if (disagg) out.disaggregation = disagg.outcome.decisionType;
      if (prefill) out.prefill = { profile: prefill.profile.name, endpoint: prefill.result.endpoints[0]! };
      if (!dryRun) {
        const primary = result.endpoints[0]!;
        const lease = this.#store.acquire(pool, primary.address, request.promptTokens + request.maxTokens);
        if (lease) out.lease = lease;
        for (const o of profile.observers) o.onPicked(ctx, request, result.endpoints);
        if (prefill) commitPrefill(this.#store, pool, ctx, request, prefill, out);
        if (disagg) this.#metrics.countDisaggDecision?.(disagg.outcome.decisionType);
        this.#metrics.countSchedulerAttempt("success");
        if (usedStale || this.#stalePools.size > 0) this.#noteStale(pool, usedStale);
        if (now) this.#metrics.observeSchedulerDuration((now() - start) / 1000);
      }
      return out;
    } catch (err) {
      if (!dryRun) {
        this.#metrics.countSchedulerAttempt("failure");
        if (now) this.#metrics.observeSchedulerDuration((now() - start) / 1000);
      }
      throw err;
    }
  }

  explain(pool: string, request: SchedulingRequest, options?: ExplainOptions): Explanation {
    const ctx: CycleContext = { random: options?.random ?? this.#random, dryRun: true };
    const excluded: ExcludedEndpoint[] = [];
    const traces = new Map<string, ProfileTrace>();
    const e: Explanation = {
      pool,
      requestId: request.requestId,
      targetModel: request.targetModel,
      saturation: 0,
      saturated: false,
      usedStaleEndpoints: false,
      excluded,
      profiles: [],
      picked: [],
    };
    try {
      const d = this.#decide(pool, request, ctx, { excluded, traces, explanation: e });
      e.profile = d.profile.name;
      e.picked = d.result.endpoints.map((x) => x.address);
      if (d.disagg) e.disaggregation = explainDisaggregation(d.disagg, d.result);
    } catch (err) {
      const re = RouterError.from(err);
      if (re.code === "NotFound") throw re;
      e.error = { code: re.code, message: re.message };
    }
    for (const [name, trace] of traces) {
      const profile = this.profiles.find((p) => p.name === name)!;
      e.profiles.push(explainProfile(profile, trace, this.#results.get(name), request, this.#candidates));
    }
    return e;
  }

  dispose(): void {
    this.#unsubscribe();
  }

  #decide(
    pool: string,
    request: SchedulingRequest,
    ctx: CycleContext,
    explain?: { excluded: ExcludedEndpoint[]; traces: Map<string, ProfileTrace>; explanation: Explanation },
    timer?: PluginTimer,
    flowControlled = false,
  ): {
    profile: SchedulerProfile;
    result: ProfileRunResult;
    saturation: number;
    usedStale: boolean;
    disagg: DisaggSplit | undefined;
  } {
    const endpoints = this.#store.endpoints(pool);
    if (!endpoints) throw new RouterError("NotFound", `pool "${pool}" is not configured`, "pool");
    const candidates = this.#candidates;
    const usedStale = selectCandidates(
      pool,
      endpoints,
      request,
      this.#isStale,
      this.#policy,
      candidates,
      this.#stale,
      explain?.excluded,
      this.#isEjected,
    );
    const saturation = this.#detector.utilization(candidates, this.#isStale);
    if (explain) {
      explain.explanation.saturation = saturation;
      explain.explanation.saturated = saturation >= 1;
      explain.explanation.usedStaleEndpoints = usedStale;
    }
    if (request.priority < 0 && saturation >= 1 && !flowControlled) {
      throw new RouterError("ResourceExhausted", "system saturated, sheddable request dropped");
    }
    const results = this.#results;
    results.clear();
    const profiles = this.profiles;
    // Each round runs at least one new profile, so this ends after at most profiles.length rounds.
    for (let round = 0; round <= profiles.length; round++) {
      const next = this.#handler.pickProfiles(ctx, request, profiles, results);
      let ran = false;
      for (const profile of next) {
        if (results.has(profile.name)) continue;
        let trace: ProfileTrace | undefined;
        if (explain) {
          trace = { filtered: {}, scored: [], raw: {}, totals: [] };
          explain.traces.set(profile.name, trace);
        }
        results.set(profile.name, profile.run(ctx, request, candidates, trace, timer));
        ran = true;
      }
      if (!ran) break;
    }
    const winner = this.#handler.processResults(ctx, request, results);
    const result = winner === undefined ? undefined : results.get(winner);
    const profile = profiles.find((p) => p.name === winner);
    if (!result || !profile) throw this.#noResult(pool, request);
    const disagg = disaggSplitOf(this.#handler, results, profiles);
    return { profile, result, saturation, usedStale, disagg };
  }

  /** Counts a pick among stale endpoints, and reports the start and end of each such episode once. */
  #noteStale(pool: string, usedStale: boolean): void {
    if (usedStale) this.#metrics.countStaleEndpointPick(pool);
    if (usedStale === this.#stalePools.has(pool)) return;
    if (usedStale) this.#stalePools.add(pool);
    else this.#stalePools.delete(pool);
    this.#onStale?.({ pool, stale: usedStale, endpoints: usedStale ? this.#candidates.length : 0 });
  }

  #noResult(pool: string, request: SchedulingRequest): RouterError {
    const failed = [...this.#results.keys()].map((name) => {
      const p = this.profiles.find((x) => x.name === name);
      return `profile "${name}": "${p?.lastFailedAt}" left no endpoint`;
    });
    const detail = failed.join("; ") || "no profile ran";
    if (request.priority < 0) {
      return new RouterError(
        "ResourceExhausted",
        `no endpoint has room for a sheddable request, request dropped (${detail})`,
      );
    }
    return new RouterError(
      "ServiceUnavailable",
      `no endpoint of pool "${pool}" can take the request (${detail})`,
    );
  }
}
