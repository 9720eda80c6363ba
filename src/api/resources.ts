/** The typed result of loading a config set: every resource kind, normalized. */
import type { ManifestIssue } from "./manifest-issue.js";
import type { ModelResource } from "./model.js";
import type { ObjectiveResource } from "./objective.js";
import type { PoolResource } from "./pool.js";
import type { RewriteResource } from "./rewrite.js";
import type { RouterConfig } from "./router-config.js";
import type { SchedulerConfigResource } from "./scheduler-config.js";

/** One config file's text. `path` is only used to name the file in errors. */
export interface ManifestFile {
  path: string;
  text: string;
}

/** Everything a config set defines, in file order then document order. */
export interface RouterResources {
  /** The RouterConfig's settings; {@link defaultRouterConfig} when the set has none. */
  router: RouterConfig;
  pools: PoolResource[];
  objectives: ObjectiveResource[];
  models: ModelResource[];
  rewrites: RewriteResource[];
  schedulerConfigs: SchedulerConfigResource[];
}

/** Outcome of {@link parseManifests}: the resources, or every issue found (as lines and as records). */
export type ParseManifestsResult =
  | { ok: true; resources: RouterResources }
  | { ok: false; errors: string[]; issues: ManifestIssue[] };
