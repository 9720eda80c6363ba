/** How the scheduler asks whether a pool is saturated (admission of sheddable requests). */
import type { Endpoint } from "../../state/types.js";

export interface SaturationDetector {
  /**
   * Pool utilization over `endpoints`: 0 = idle, >= 1 = saturated. `isStale(e)` tells whether an
   * endpoint's metrics are too old to trust. An empty list is saturated (1).
   */
  utilization(endpoints: readonly Endpoint[], isStale: (e: Endpoint) => boolean): number;
}
