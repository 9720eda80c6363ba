/** The built-in scheduler config, used when none is given: upstream's default profile. */
import type { SchedulerConfig } from "./scheduler-config.js";

/**
 * One profile "default": queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3,
 * max-score-picker; single-profile-handler; utilization saturation detector with its defaults.
 */
export function defaultSchedulerConfig(options: { maxNumOfEndpoints?: number } = {}): SchedulerConfig {
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
