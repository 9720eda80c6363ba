/** The resource model: zod schemas of the manifests and the router config, and the manifest loader. */

export {
  type ConfigSummary,
  type ResourceLine,
  type SettingChange,
  summarizeConfig,
} from "./config-summary.js";
export { ManifestError, resourcesOrThrow } from "./manifest-error.js";
export { formatIssue, type ManifestIssue } from "./manifest-issue.js";
export { CRITICALITY_PRIORITY, type Criticality, type ModelResource } from "./model.js";
export { DEFAULT_NAMESPACE } from "./names.js";
export type { ObjectiveResource } from "./objective.js";
export { parseManifests } from "./parse-manifests.js";
export type { AppProtocol, FailureMode, PoolResource } from "./pool.js";
export type { ManifestFile, ParseManifestsResult, RouterResources } from "./resources.js";
export type { RewriteResource, RewriteRule } from "./rewrite.js";
export {
  DEFAULT_MAX_BODY_BYTES,
  defaultRouterConfig,
  listenHelp,
  type RouterConfig,
  routerConfigSpecSchema,
  routerDefaults,
} from "./router-config.js";
export type {
  PluginSpec,
  SaturationDetectorSpec,
  SchedulerConfigResource,
  SchedulingProfileSpec,
} from "./scheduler-config.js";
export {
  type SchedulerChoice,
  type SchedulerSelection,
  type SchedulerSelectionProblem,
  selectSchedulerConfig,
} from "./scheduler-selection.js";
export type { DocumentSource } from "./zod-issues.js";
