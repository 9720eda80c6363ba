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
  const { plugins, saturationDetector } = config;
  // RouterConfig.scheduler.profile picks the profile to run (the loader checked that it exists); unset,
  // the first. A config may so hold alternatives, e.g. to switch the scheduler by a config reload.
  const wanted = resources.router.scheduler.profile ?? config.schedulingProfiles[0]?.name;
  const schedulingProfiles = config.schedulingProfiles.filter((p) => p.name === wanted);
  return saturationDetector === undefined
    ? { plugins, schedulingProfiles }
    : { plugins, schedulingProfiles, saturationDetector };
}
