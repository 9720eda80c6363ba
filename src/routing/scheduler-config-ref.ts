/**
 * Which EndpointPickerConfig the router runs (the rule is src/api/scheduler-selection.ts: the one
 * RouterConfig `spec.scheduler.configRef` names, else the built-in `spec.scheduler.builtin` names, else
 * a lone one in the set, else the built-in default),
 * as createScheduler takes it and as the logs and `check-config` describe it.
 */
import type { RouterResources } from "../api/resources.js";
import { type SchedulerChoice, selectSchedulerConfig } from "../api/scheduler-selection.js";
import { RouterError } from "../core/errors.js";
import { FLOW_CONTROL_PLUGIN_TYPES } from "../flowcontrol/config.js";
import {
  type BuiltinSchedulerName,
  builtinMaxNumOfEndpoints,
  builtinSchedulerConfig,
} from "../scheduling/config/default-config.js";
import type { SchedulerConfig } from "../scheduling/config/scheduler-config.js";
import { MULTI_PROFILE_HANDLERS } from "../scheduling/plugins/profile-handler/disagg-profile-handler.js";

function builtinOf(resources: RouterResources): BuiltinSchedulerName {
  return resources.router.scheduler.builtin ?? "default";
}

function choiceOf(resources: RouterResources): SchedulerChoice | undefined {
  const selected = selectSchedulerConfig(resources.router, resources.schedulerConfigs);
  if (selected.ok) return selected.choice;
  // parseManifests refuses such a set; only a hand-built RouterResources gets here.
  const { field, rule } = selected.problem;
  throw new RouterError("BadRequest", `${field || "EndpointPickerConfig"}: ${rule}`, field);
}

/** True when no EndpointPickerConfig of the set runs: one of the built-in configs does. */
export function runsBuiltinScheduler(resources: RouterResources): boolean {
  return choiceOf(resources) === undefined;
}

/**
 * The scheduler config for createScheduler: the chosen EndpointPickerConfig with only the chosen profile
 * (one single-profile-handler runs one); upstream's default profile (with builtinMaxNumOfEndpoints
 * endpoints) for `spec.scheduler.builtin: upstream-default`; or undefined for the built-in default
 * (`defaultSchedulerConfig`, which the caller builds with its own maxNumOfEndpoints). The result holds
 * no file names, so it is equal (as JSON) across reloads that leave the scheduler unchanged.
 * @throws RouterError("BadRequest") when the set does not say which config runs (parseManifests refuses
 * such a set first).
 */
export function schedulerConfigFor(resources: RouterResources): SchedulerConfig | undefined {
  const choice = choiceOf(resources);
  if (choice === undefined) {
    const builtin = builtinOf(resources);
    return builtin === "default"
      ? undefined
      : builtinSchedulerConfig(builtin, { maxNumOfEndpoints: builtinMaxNumOfEndpoints });
  }
  const { saturationDetector } = choice.config;
  // Flow control's plugins (usage limits, detectors) are flow control's, not the scheduler's (src/flowcontrol).
  const plugins = choice.config.plugins.filter((p) => !FLOW_CONTROL_PLUGIN_TYPES.includes(p.type));
  // A multi-profile handler (disagg-profile-handler) runs every profile of its config; else the chosen one.
  const multi = plugins.some((p) => MULTI_PROFILE_HANDLERS.includes(p.type));
  const schedulingProfiles = multi ? choice.config.schedulingProfiles : [choice.profile];
  return saturationDetector === undefined
    ? { plugins, schedulingProfiles }
    : { plugins, schedulingProfiles, saturationDetector };
}

/** One plugin of the profile that runs, for logs. */
export interface PluginDescription {
  /** Instance name (the profile's pluginRef). */
  name: string;
  type: string;
  /** The profile's weight for it; unset for filters and pickers, and scorers that take the default 1. */
  weight?: number;
}

/** Which scheduler runs, for the start-up and reload logs and `check-config`. */
export interface SchedulerDescription {
  /** The EndpointPickerConfig's `metadata.name`, or "built-in default" / "built-in upstream-default". */
  config: string;
  /** Why this config: named by RouterConfig, the set's only one, or none given. */
  reason: SchedulerChoice["reason"] | "built-in";
  profile: string;
  plugins: PluginDescription[];
  /** `file#doc` of the EndpointPickerConfig; "built-in" for the default. */
  source: string;
}

/**
 * Describes the scheduler `resources` run: config name, profile, the profile's plugins with weights,
 * and the file the config came from.
 *
 * @example
 * log("info", "scheduler", describeScheduler(resources));
 * // { config: "demo-scheduler", reason: "configRef", profile: "default", plugins: [...], source: "scheduler.yaml#0" }
 */
export function describeScheduler(resources: RouterResources): SchedulerDescription {
  const choice = choiceOf(resources);
  const builtin = builtinOf(resources);
  const config = choice?.config ?? builtinSchedulerConfig(builtin);
  const profile = choice?.profile ?? config.schedulingProfiles[0]!;
  const plugins = profile.plugins.map((ref) => {
    const spec = config.plugins.find((p) => (p.name ?? p.type) === ref.pluginRef);
    const out: PluginDescription = { name: ref.pluginRef, type: spec?.type ?? "?" };
    if (ref.weight !== undefined) out.weight = ref.weight;
    return out;
  });
  if (choice === undefined)
    return {
      config: `built-in ${builtin}`,
      reason: "built-in",
      profile: profile.name,
      plugins,
      source: "built-in",
    };
  const { source, name } = choice.config;
  return {
    config: name,
    reason: choice.reason,
    profile: profile.name,
    plugins,
    source: `${source.file}#${source.doc}`,
  };
}
