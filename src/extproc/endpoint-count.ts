/** How many endpoints the ext_proc picker lists in `x-gateway-destination-endpoint`. */
import type { RouterResources } from "../api/resources.js";
import { runsBuiltinScheduler } from "../routing/scheduler-config-ref.js";

/**
 * One endpoint under a built-in scheduler config (`spec.scheduler.builtin`), else all the EndpointPickerConfig's picker returns
 * (its `maxNumOfEndpoints`, upstream's default 1). The built-in config returns fallbacks for the HTTP
 * router, but an Envoy ORIGINAL_DST cluster reads ONE `ip:port` from the header: a list is only for an
 * Envoy that takes ordered fallbacks (override-host), which a user opts into with their own config.
 *
 * @example
 * extProcMaxEndpoints(resourcesWithoutPickerConfig) // 1
 */
export function extProcMaxEndpoints(resources: RouterResources): number | undefined {
  return runsBuiltinScheduler(resources) ? 1 : undefined;
}
