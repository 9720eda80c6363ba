/**
 * What the scheduler is built from: the upstream EndpointPickerConfig's plugins, profiles and saturation
 * detector, already parsed. The one schema is src/api/scheduler-config.ts (its SchedulerConfigResource is
 * a SchedulerConfig); code and tests that build a scheduler directly write a literal of this type.
 * Plugin types, plugin parameters and profile references are checked when the scheduler is built
 * (./build-profiles.ts), as only the registry knows the plugins.
 */

/** One plugin instance. */
export interface PluginSpec {
  /** Plugin type, e.g. "queue-scorer". */
  type: string;
  /** Instance name referenced by profiles; defaults to `type`. */
  name?: string;
  /** Raw parameters, parsed by the plugin's factory; absent = {}. */
  parameters?: unknown;
}

/** A plugin of a profile; `weight` applies to scorers (default 1). */
export interface ProfilePluginRef {
  pluginRef: string;
  weight?: number;
}

/** A named scheduling profile: an ordered list of plugin references. */
export interface SchedulingProfileSpec {
  name: string;
  plugins: readonly ProfilePluginRef[];
}

/** The utilization saturation detector's thresholds (upstream names). */
export interface SaturationDetectorConfig {
  /** Waiting requests at which an endpoint counts as fully utilized. Default 5. */
  queueDepthThreshold: number;
  /** KV-cache usage at which an endpoint counts as fully utilized. Default 0.8. */
  kvCacheUtilThreshold: number;
}

/** A parsed EndpointPickerConfig, as createScheduler takes it. */
export interface SchedulerConfig {
  plugins: readonly PluginSpec[];
  /** The profiles to run; the profile handler decides which run for a request. */
  schedulingProfiles: readonly SchedulingProfileSpec[];
  /** Unset: the detector's defaults. */
  saturationDetector?: SaturationDetectorConfig | undefined;
}
