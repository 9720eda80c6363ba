/** How many endpoints the ext_proc picker lists in `x-gateway-destination-endpoint`. */
import type { RouterResources } from "../api/resources.js";

/**
 * All the scheduler's picker returns, under the built-in config (the primary and its ordered
 * fallbacks) as under a user's EndpointPickerConfig (its `maxNumOfEndpoints`, upstream's default 1).
 * The shipped Envoy config (runtimes/node/deploy/envoy.yaml) reads the list with the override-host
 * load balancing policy and retries on the next entries. An Envoy whose model-server cluster is
 * ORIGINAL_DST reads ONE `ip:port`: behind it, give the picker an EndpointPickerConfig with
 * `maxNumOfEndpoints: 1`. `undefined` = no cap beyond the picker's own.
 *
 * @example
 * extProcMaxEndpoints(resourcesWithoutPickerConfig) // undefined: the built-in config's 3
 */
export function extProcMaxEndpoints(_resources: RouterResources): number | undefined {
  return undefined;
}
