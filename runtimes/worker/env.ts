/** Bindings, vars and secrets of the edge worker (see wrangler.toml; settings are documented in src/edge/edge-config.ts). */
import type { RegionDirectoryObject } from "./region-directory-object.js";

export interface Env {
  /** The Durable Object namespace holding the region directory. */
  REGIONS: DurableObjectNamespace<RegionDirectoryObject>;
  /** Secret: bearer token pushes need (`wrangler secret put PUSH_TOKEN`); unset = pushes refused. */
  PUSH_TOKEN?: string;
  /** Secret: bearer token reads (ListRegions, ExplainRegion) need; unset = reads open. */
  READ_TOKEN?: string;
  /** Other vars (DIRECTORY_TTL_MS, REGION_STALE_MS, PICK_* ...), as strings. */
  [key: string]: unknown;
}
