/**
 * The routing strategies compared, each an EndpointPickerConfig for the same `createScheduler`:
 * Kubernetes-Service-like baselines, the legacy decision tree, upstream's default profile, the two
 * peers' policies (re-implemented as plugins) and the built-in default (`ours`). Shedding is off everywhere:
 * every request has priority 0, so no strategy may drop work.
 *
 * The peers' policies (sglang, dynamo) are registered only in ../baselines/registry.ts, which the
 * virtual-time run passes to createScheduler; a live run (`bench:quality:live`) starts the product
 * `serve`, whose registry refuses them as unknown plugin types.
 */
import {
  defaultSchedulerConfig,
  upstreamDefaultSchedulerConfig,
} from "../../../src/scheduling/config/default-config.js";
import type { SchedulerConfig } from "../../../src/scheduling/config/scheduler-config.js";
import { candidateStrategies } from "./strategy-candidates.js";

/** A named strategy. */
export interface Strategy {
  name: string;
  /** One line for the report. */
  description: string;
  /** The EndpointPickerConfig; undefined when the client picks (`clientPool`). */
  config: SchedulerConfig | undefined;
  /**
   * The simulated client's keep-alive pool picks the endpoint, one random binding per connection
   * (kube-proxy); no scheduler runs. The pool size is the run's `--connections`.
   */
  clientPool?: true;
}

function single(
  plugins: { type: string; name?: string; parameters?: unknown; weight?: number }[],
): SchedulerConfig {
  return {
    plugins: [
      { type: "single-profile-handler" },
      ...plugins.map((p) => ({ type: p.type, name: p.name ?? p.type, parameters: p.parameters })),
    ],
    schedulingProfiles: [
      {
        name: "default",
        plugins: plugins.map((p) => ({ pluginRef: p.name ?? p.type, weight: p.weight })),
      },
    ],
  };
}

export const strategies: readonly Strategy[] = [
  {
    name: "round-robin",
    description: "round-robin-picker: the Kubernetes Service baseline",
    config: single([{ type: "round-robin-picker" }]),
  },
  {
    name: "kubernetes-service",
    description:
      "kube-proxy: a random endpoint per TCP connection, the client holding K keep-alive connections (--connections, default 8) used in turn; the upstream announcement's baseline",
    config: undefined,
    clientPool: true,
  },
  { name: "random", description: "random-picker", config: single([{ type: "random-picker" }]) },
  {
    name: "least-request",
    description: "least-request-picker: fewest waiting + running (+ sent since push)",
    config: single([{ type: "least-request-picker" }]),
  },
  {
    name: "decision-tree",
    description:
      "legacy decision tree (low-queue, lora-affinity, least-queue, least-kv-cache) + random-picker",
    config: single([{ type: "decision-tree-filter" }, { type: "random-picker" }]),
  },
  {
    name: "upstream-default",
    description:
      "upstream default profile: queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3",
    config: upstreamDefaultSchedulerConfig(),
  },
  {
    name: "sglang",
    description:
      "SGLang cache_aware: balance_abs_threshold 32, balance_rel_threshold 1.5, cache_threshold 0.5",
    config: single([{ type: "sglang-cache-aware-picker" }]),
  },
  {
    name: "dynamo",
    description:
      "Dynamo KV router cost: overlap_score_weight 1 x prefill blocks + decode blocks, lowest wins",
    config: single([{ type: "dynamo-kv-cost-picker" }]),
  },
  {
    name: "ours",
    description:
      "the built-in default (defaultSchedulerConfig): service-time-filter (maxSlowdown 2.5: endpoints seen serving > 2.5x slower per token than the fastest left out), prefix-cache-affinity-filter (0.8, capBySavedPrefill), prefix-cache-scorer 2 (lruCapacityPerServer 7353, kvFullHitWeight 0.25, kvFullMinPromptShare 0.1), active-request-scorer 2 and outstanding-tokens-scorer 2 (decayPushed; each inside share-scaled-scorer scaleSincePush, fullShare 0.6, minSnapshots 20, the token one fading in with the pushed KV usage 0.3 -> 0.6), lora-affinity-scorer 1, near-max-score-picker (epsilon 0.02, tieBreak least-recently-picked)",
    config: defaultSchedulerConfig(),
  },
];

/** Strategies by name (the matrix's, then the candidates); throws naming the unknown one. */
export function strategiesNamed(names: readonly string[] | undefined): Strategy[] {
  if (!names) return [...strategies];
  return names.map((n) => {
    const s = strategies.find((x) => x.name === n) ?? candidateStrategies.find((x) => x.name === n);
    if (!s)
      throw new Error(`--strategies: unknown "${n}" (known: ${strategies.map((x) => x.name).join(", ")})`);
    return s;
  });
}
