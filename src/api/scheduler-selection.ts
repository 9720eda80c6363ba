/**
 * Which EndpointPickerConfig of a config set runs, and which of its profiles: the one RouterConfig
 * `spec.scheduler.configRef` names; else the built-in config `spec.scheduler.builtin` names; else a
 * lone EndpointPickerConfig in the set (as upstream's `--config-file`); else, with none, the built-in
 * default. Several and none named is an error that lists
 * them, so a dropped-in scheduler file is never silently ignored. `spec.scheduler.profile` picks the
 * profile; unset, the config's first.
 */
import type { RouterConfig } from "./router-config.js";
import type { SchedulerConfigResource, SchedulingProfileSpec } from "./scheduler-config.js";
import type { DocumentSource } from "./zod-issues.js";

/** The config and profile that run, and why that config. */
export interface SchedulerChoice {
  config: SchedulerConfigResource;
  profile: SchedulingProfileSpec;
  /** "configRef": RouterConfig named it; "only-config": the set holds no other. */
  reason: "configRef" | "only-config";
}

/** A config set whose scheduler cannot be chosen: the field at fault and the rule. */
export interface SchedulerSelectionProblem {
  /** "router": the RouterConfig's field; else the document the problem is about. */
  at: "router" | DocumentSource;
  field: string;
  value: unknown;
  rule: string;
}

/**
 * Outcome of {@link selectSchedulerConfig}; `choice` undefined = a built-in config runs (RouterConfig
 * `spec.scheduler.builtin`, "default" when unset).
 */
export type SchedulerSelection =
  | { ok: true; choice: SchedulerChoice | undefined }
  | { ok: false; problem: SchedulerSelectionProblem };

/** `name (file#doc)`, how a config is named in messages. */
export function describeSource(config: { name: string; source: DocumentSource }): string {
  return `${config.name} (${config.source.file}#${config.source.doc})`;
}

/**
 * Chooses the EndpointPickerConfig and profile that run.
 *
 * @example
 * const s = selectSchedulerConfig(resources.router, resources.schedulerConfigs);
 * if (s.ok && s.choice) log(s.choice.config.name, s.choice.profile.name);
 */
export function selectSchedulerConfig(
  router: Pick<RouterConfig, "scheduler">,
  configs: readonly SchedulerConfigResource[],
): SchedulerSelection {
  const { configRef, profile, builtin } = router.scheduler;
  let config: SchedulerConfigResource;
  let reason: SchedulerChoice["reason"];
  if (configRef === undefined && builtin !== undefined) {
    if (profile === undefined) return { ok: true, choice: undefined };
    return {
      ok: false,
      problem: {
        at: "router",
        field: "spec.scheduler.profile",
        value: profile,
        rule: `names a profile, but spec.scheduler.builtin "${builtin}" runs a built-in config (one profile); name an EndpointPickerConfig with configRef`,
      },
    };
  }
  if (configRef !== undefined) {
    const named = configs.filter((c) => c.name === configRef);
    if (named.length !== 1) {
      const known = configs.map(describeSource).join(", ") || "none";
      const rule =
        named.length === 0
          ? `must name an EndpointPickerConfig of this config (defined: ${known})`
          : `names ${named.length} EndpointPickerConfigs (${named.map(describeSource).join(", ")}); give them distinct names`;
      return {
        ok: false,
        problem: { at: "router", field: "spec.scheduler.configRef", value: configRef, rule },
      };
    }
    config = named[0]!;
    reason = "configRef";
  } else if (configs.length === 1) {
    config = configs[0]!;
    reason = "only-config";
  } else if (configs.length > 1) {
    const rule =
      `${configs.length} EndpointPickerConfigs and no RouterConfig spec.scheduler.configRef naming the one ` +
      `to run: ${configs.map(describeSource).join(", ")}`;
    return { ok: false, problem: { at: configs[1]!.source, field: "", value: undefined, rule } };
  } else {
    if (profile === undefined) return { ok: true, choice: undefined };
    return {
      ok: false,
      problem: {
        at: "router",
        field: "spec.scheduler.profile",
        value: profile,
        rule: "names a profile, but the config holds no EndpointPickerConfig (the built-in default has one profile)",
      },
    };
  }
  const wanted = profile ?? config.schedulingProfiles[0]?.name;
  const chosen = config.schedulingProfiles.find((p) => p.name === wanted);
  if (chosen === undefined) {
    const known = config.schedulingProfiles.map((p) => p.name).join(", ") || "none";
    return {
      ok: false,
      problem: {
        at: "router",
        field: "spec.scheduler.profile",
        value: profile,
        rule: `must name a profile of EndpointPickerConfig ${describeSource(config)} (defined: ${known})`,
      },
    };
  }
  return { ok: true, choice: { config, profile: chosen, reason } };
}
