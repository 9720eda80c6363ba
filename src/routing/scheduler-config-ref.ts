/** Which EndpointPickerConfig the router runs: the one RouterConfig.scheduler.configRef names, else the built-in default. */
import type { RouterResources } from "../api/resources.js";

/**
 * The scheduler config object for createScheduler, or undefined for the built-in default
 * (queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3, max-score-picker).
 */
export function schedulerConfigFor(resources: RouterResources): unknown {
  const ref = resources.router.scheduler.configRef;
  if (ref === undefined) return undefined;
  const config = resources.schedulerConfigs.find((c) => c.name === ref);
  if (!config) return undefined;
  const { plugins, schedulingProfiles, saturationDetector } = config;
  return saturationDetector === undefined
    ? { plugins, schedulingProfiles }
    : { plugins, schedulingProfiles, saturationDetector };
}
