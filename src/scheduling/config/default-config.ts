/**
 * The built-in scheduler configs, used when no EndpointPickerConfig is given. `default` is ours,
 * chosen on the routing-quality matrix (issue 17, test/bench/results/default-profile/);
 * `upstream-default` is upstream's default profile (queue 2, KV 2, prefix 3), kept selectable by name
 * (RouterConfig `spec.scheduler.builtin`).
 */
import type { SchedulerConfig } from "./scheduler-config.js";

/** Names of the built-in configs. */
export const builtinSchedulerNames = ["default", "upstream-default"] as const;
export type BuiltinSchedulerName = (typeof builtinSchedulerNames)[number];

/**
 * Endpoints the router's built-in configs return per pick: the primary and 2 ordered fallbacks. The
 * HTTP router fails over to them before the first response byte; a front door may ask for fewer per
 * call (RouteInput.maxEndpoints): the ext_proc picker lists one under a built-in config
 * (src/extproc/endpoint-count.ts).
 */
export const builtinMaxNumOfEndpoints = 3;

/** Options of the built-in configs. */
export interface BuiltinSchedulerOptions {
  /** Endpoints the picker returns, primary first (upstream default 1). */
  maxNumOfEndpoints?: number;
}

/**
 * The built-in default, one profile "default":
 * - service-time-filter (maxSlowdown 2.5) first: endpoints the router saw serve more than 2.5x slower
 *   per token of work than the fastest (its own completions, a moving average that includes queue and
 *   batch) are left out, so a pool of mixed GPUs without capacity labels does not give a slow one
 *   its equal share; removes nothing on a pool that serves alike, stands aside while LoRA adapters
 *   are active; a slower endpoint must also take > 250 ms longer per request (minExcessMs);
 * - prefix-cache-scorer 2 (lruCapacityPerServer 7,353 = an H100's KV blocks for a 7-8B model, so the
 *   router does not believe in blocks the engine evicted long ago; kvFullHitWeight 0.25 with
 *   kvFullMinPromptShare 0.1: a hit on an endpoint whose KV has no room for a prompt of at least a
 *   tenth of its KV scores a quarter while another endpoint has room, so a small KV-bound pool does
 *   not queue requests on a full prefix holder), declared first because
 * - prefix-cache-affinity-filter (affinityThreshold 0.8, capBySavedPrefill) reads its index: a hot
 *   prefix narrows the set to its holders only while the holders' extra load costs less than the
 *   prefill the hit saves;
 * - active-request-scorer 2 (requests: the bound on a sequence-limited engine) and
 *   outstanding-tokens-scorer 2 (tokens: the bound on a KV-limited one), both counting the router's
 *   own work since the last push, so a burst between pushes spreads, and both with decayPushed: the
 *   pushed figure less the router's own completions since that snapshot, so an endpoint whose last
 *   push is old does not look busier than it is;
 *   Both run inside share-scaled-scorer with scaleSincePush (share-scaled-active-request-scorer,
 *   share-scaled-outstanding-tokens-scorer): a router replica that sends a share s of the pool's
 *   traffic without peer sharing counts each of its own requests since a push as 1/s (the others
 *   sent theirs too), so three replicas do not all fill the endpoint the last push showed idle; one
 *   router or peers sharing their in-flight score exactly as without (fullShare 0.6: a lone
 *   router's estimate dips to ~0.7 where requests end between a snapshot and its first read). The token scorer's
 *   scaling fades in as the pushed KV usage goes from 0.3 to 0.6 (kvGateFrom / kvGateTo): where KV
 *   does not bind, a scaled token figure only outweighs the LoRA affinity;
 * - lora-affinity-scorer 1;
 * - near-max-score-picker (epsilon 0.02, tieBreak least-recently-picked): among the near-best, the one
 *   this router made primary longest ago, so endpoints the scores cannot tell apart are taken in turn
 *   (as round-robin takes them) and router replicas with the same stale view do not all pick one argmax.
 */
export function defaultSchedulerConfig(options: BuiltinSchedulerOptions = {}): SchedulerConfig {
  return {
    plugins: [
      { type: "single-profile-handler" },
      { type: "service-time-filter", parameters: { maxSlowdown: 2.5 } },
      {
        type: "prefix-cache-scorer",
        parameters: { lruCapacityPerServer: 7_353, kvFullHitWeight: 0.25, kvFullMinPromptShare: 0.1 },
      },
      { type: "prefix-cache-affinity-filter", parameters: { capBySavedPrefill: true } },
      { type: "active-request-scorer", parameters: { decayPushed: true } },
      { type: "outstanding-tokens-scorer", parameters: { decayPushed: true } },
      {
        type: "share-scaled-scorer",
        name: "share-scaled-active-request-scorer",
        parameters: {
          scorer: "active-request-scorer",
          scaleSincePush: true,
          fullShare: 0.6,
          minSnapshots: 20,
        },
      },
      {
        type: "share-scaled-scorer",
        name: "share-scaled-outstanding-tokens-scorer",
        parameters: {
          scorer: "outstanding-tokens-scorer",
          scaleSincePush: true,
          shareWith: "share-scaled-active-request-scorer",
          kvGateFrom: 0.3,
          kvGateTo: 0.6,
        },
      },
      { type: "lora-affinity-scorer" },
      {
        type: "near-max-score-picker",
        parameters: {
          maxNumOfEndpoints: options.maxNumOfEndpoints ?? 1,
          epsilon: 0.02,
          tieBreak: "least-recently-picked",
        },
      },
    ],
    schedulingProfiles: [
      {
        name: "default",
        plugins: [
          { pluginRef: "service-time-filter" },
          { pluginRef: "prefix-cache-affinity-filter" },
          { pluginRef: "prefix-cache-scorer", weight: 2 },
          { pluginRef: "share-scaled-active-request-scorer", weight: 2 },
          { pluginRef: "share-scaled-outstanding-tokens-scorer", weight: 2 },
          { pluginRef: "lora-affinity-scorer", weight: 1 },
          { pluginRef: "near-max-score-picker" },
        ],
      },
    ],
  };
}

/**
 * Upstream's default profile (llm-d-router `loadDefaultConfig`), one profile "default": queue-scorer 2,
 * kv-cache-utilization-scorer 2, prefix-cache-scorer 3, max-score-picker; single-profile-handler;
 * utilization saturation detector with its defaults.
 */
export function upstreamDefaultSchedulerConfig(options: BuiltinSchedulerOptions = {}): SchedulerConfig {
  return {
    plugins: [
      { type: "single-profile-handler" },
      { type: "queue-scorer" },
      { type: "kv-cache-utilization-scorer" },
      { type: "prefix-cache-scorer" },
      { type: "max-score-picker", parameters: { maxNumOfEndpoints: options.maxNumOfEndpoints ?? 1 } },
    ],
    schedulingProfiles: [
      {
        name: "default",
        plugins: [
          { pluginRef: "queue-scorer", weight: 2 },
          { pluginRef: "kv-cache-utilization-scorer", weight: 2 },
          { pluginRef: "prefix-cache-scorer", weight: 3 },
          { pluginRef: "max-score-picker" },
        ],
      },
    ],
  };
}

/** The built-in config of that name. */
export function builtinSchedulerConfig(
  name: BuiltinSchedulerName,
  options: BuiltinSchedulerOptions = {},
): SchedulerConfig {
  return name === "upstream-default"
    ? upstreamDefaultSchedulerConfig(options)
    : defaultSchedulerConfig(options);
}
