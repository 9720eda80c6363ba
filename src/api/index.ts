/** The resource model: zod schemas of the manifests and the router config, and the manifest loader. */
export { ManifestError, resourcesOrThrow } from "./manifest-error.js";
export { formatIssue, type ManifestIssue } from "./manifest-issue.js";
export { CRITICALITY_PRIORITY, type Criticality, type ModelResource } from "./model.js";
export { DEFAULT_NAMESPACE } from "./names.js";
export type { ObjectiveResource } from "./objective.js";
export { parseManifests } from "./parse-manifests.js";
export type { AppProtocol, FailureMode, PoolResource } from "./pool.js";
export type { ManifestFile, ParseManifestsResult, RouterResources } from "./resources.js";
export type { RewriteResource, RewriteRule } from "./rewrite.js";
export { defaultRouterConfig, type RouterConfig, routerConfigSpecSchema } from "./router-config.js";
export type { PluginSpec, SchedulerConfigResource, SchedulingProfileSpec } from "./scheduler-config.js";
export type { DocumentSource } from "./zod-issues.js";
