/**
 * The routing strategies compared, each an EndpointPickerConfig for the same `createScheduler`:
 * Kubernetes-Service-like baselines, the legacy decision tree, upstream's default profile, the two
 * peers' policies (re-implemented as plugins) and our tuned profile. Shedding is off everywhere:
 * every request has priority 0, so no strategy may drop work.
 *
 * The peers' policies (sglang, dynamo) are registered only in ../baselines/registry.ts, which the
 * virtual-time run passes to createScheduler; a live run (`bench:quality:live`) starts the product
 * `serve`, whose registry refuses them as unknown plugin types.
 */
import { defaultSchedulerConfig } from "../../../src/scheduling/config/default-config.js";
import type { SchedulerConfig } from "../../../src/scheduling/config/scheduler-config.js";

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
    config: defaultSchedulerConfig(),
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
      "ours: outstanding-tokens-scorer 4 (router's in-flight tokens folded with pushed KV, ratio to the least loaded), prefix-cache-scorer 2 (lruCapacityPerServer 7353 = the replica's KV blocks), lora-affinity-scorer 1, queue-scorer 1, max-score-picker",
    config: single([
      { type: "outstanding-tokens-scorer", weight: 4 },
      { type: "prefix-cache-scorer", weight: 2, parameters: { lruCapacityPerServer: 7_353 } },
      { type: "lora-affinity-scorer", weight: 1 },
      { type: "queue-scorer", weight: 1 },
      { type: "max-score-picker" },
    ]),
  },
];

/** Strategies by name; throws naming the unknown one. */
export function strategiesNamed(names: readonly string[] | undefined): Strategy[] {
  if (!names) return [...strategies];
  return names.map((n) => {
    const s = strategies.find((x) => x.name === n);
    if (!s)
      throw new Error(`--strategies: unknown "${n}" (known: ${strategies.map((x) => x.name).join(", ")})`);
    return s;
  });
}
