/**
 * A regional router's own summary for the edge, built from its PoolStore: per model, ready fresh
 * endpoints, capacity (one slot per ready endpoint), free capacity (sum of 1 - utilization), queue,
 * running, KV headroom and saturation, with utilization as the saturation detector defines it
 * (max(queue/5, kv/0.8), capped at 1; a stale endpoint counts as 1). Endpoints that advertise no
 * model list count under "*" (any model).
 */
import type { SaturationDetectorConfig } from "../scheduling/config/scheduler-config.js";
import {
  defaultSaturationThresholds,
  endpointUtilization,
} from "../scheduling/saturation/utilization-detector.js";
import type { PoolStore } from "../state/pool-store.js";
import { ANY_MODEL, type ModelSummary } from "./region-types.js";

class Tally {
  total = 0;
  ready = 0;
  free = 0;
  kvFree = 0;
  queue = 0;
  running = 0;
  util = 0;

  add(ready: boolean, util: number, kv: number, queue: number, running: number): void {
    this.total++;
    this.util += util;
    this.queue += queue;
    this.running += running;
    if (!ready) return;
    this.ready++;
    this.free += 1 - util;
    this.kvFree += 1 - kv;
  }

  summary(model: string): ModelSummary {
    return {
      model,
      endpointsReady: this.ready,
      endpointsTotal: this.total,
      capacity: this.ready,
      freeCapacity: this.free,
      queueDepth: this.queue,
      runningRequests: this.running,
      kvHeadroom: this.ready > 0 ? this.kvFree / this.ready : 0,
      saturation: this.total > 0 ? this.util / this.total : 1,
    };
  }
}

export interface PoolSummaryOptions {
  /** Client-facing model names the regional router resolves itself (objectives, InferenceModels,
   * rewrites): each without its own endpoints gets the figures of every endpoint of the region. */
  extraModels?: readonly string[];
  /** Utilization thresholds. Default queue 5, KV 0.8 (the scheduler's saturation detector). */
  thresholds?: SaturationDetectorConfig;
}

/**
 * Per-model summaries of every pool in the store, sorted by model.
 *
 * @example
 * summarizePools(store, { extraModels: routing.router.models() });
 */
export function summarizePools(store: PoolStore, o: PoolSummaryOptions = {}): ModelSummary[] {
  const t = o.thresholds ?? defaultSaturationThresholds;
  const byModel = new Map<string, Tally>();
  const all = new Tally();
  const tally = (model: string) => {
    const x = byModel.get(model) ?? new Tally();
    byModel.set(model, x);
    return x;
  };
  for (const pool of store.pools()) {
    for (const e of pool.endpoints) {
      const stale = store.isStale(e);
      const util = stale ? 1 : endpointUtilization(e, t);
      const ready = e.ready && !stale;
      const m = e.metrics;
      all.add(ready, util, m.kvCacheUsage, m.waitingRequests, m.runningRequests);
      const models = e.models.length > 0 ? e.models : [ANY_MODEL];
      for (const model of models)
        tally(model).add(ready, util, m.kvCacheUsage, m.waitingRequests, m.runningRequests);
    }
  }
  const out = [...byModel].map(([model, x]) => x.summary(model));
  for (const model of o.extraModels ?? []) {
    if (!byModel.has(model) && model !== ANY_MODEL) out.push(all.summary(model));
  }
  return out.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}
