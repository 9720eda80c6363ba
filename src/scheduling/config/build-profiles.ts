/**
 * Turns a parsed config into plugin instances and runnable profiles, with upstream's defaults: a
 * plugin's name defaults to its type, a scorer without weight gets 1, a profile without picker gets
 * a max-score-picker, and a config without profile handler gets single-profile-handler.
 */
import { RouterError } from "../../core/errors.js";
import { type Filter, isFilter } from "../framework/filter.js";
import { isPickObserver, type PickObserver } from "../framework/pick-observer.js";
import { isPicker, type Picker } from "../framework/picker.js";
import type { Plugin, PluginDeps } from "../framework/plugin.js";
import { isProfileHandler, type ProfileHandler } from "../framework/profile-handler.js";
import { SchedulerProfile, type WeightedScorer } from "../framework/scheduler-profile.js";
import { isScorer } from "../framework/scorer.js";
import type { SchedulerMetrics } from "../metrics.js";
import { MaxScorePicker } from "../plugins/picker/max-score-picker.js";
import { SingleProfileHandler } from "../plugins/profile-handler/single-profile-handler.js";
import type { PrefixIndexFactory } from "../prefix-index.js";
import type { PluginRegistry } from "../registry.js";
import type { SchedulerConfig } from "./scheduler-config.js";

/** Everything a scheduler runs, built from one config. */
export interface BuiltScheduler {
  /** Instances by name, in declaration order. */
  plugins: ReadonlyMap<string, Plugin>;
  profiles: readonly SchedulerProfile[];
  handler: ProfileHandler;
}

export interface BuildOptions {
  registry: PluginRegistry;
  prefixIndexFactory: PrefixIndexFactory | undefined;
  metrics: SchedulerMetrics;
}

/** @throws RouterError("BadRequest") naming the plugin or profile at fault. */
export function buildProfiles(config: SchedulerConfig, options: BuildOptions): BuiltScheduler {
  const plugins = new Map<string, Plugin>();
  const deps: PluginDeps = {
    prefixIndexFactory: options.prefixIndexFactory,
    metrics: options.metrics,
    plugin: (name) => plugins.get(name),
  };
  config.plugins.forEach((spec, i) => {
    const name = spec.name ?? spec.type;
    if (plugins.has(name)) {
      throw new RouterError(
        "BadRequest",
        `plugins[${i}]: plugin name "${name}" is used twice (give one a distinct name)`,
        `plugins[${i}].name`,
      );
    }
    const factory = options.registry.get(spec.type);
    if (!factory) {
      const known = [...options.registry.keys()].sort().join(", ");
      throw new RouterError(
        "BadRequest",
        `plugins[${i}] "${name}": unknown plugin type "${spec.type}" (known: ${known})`,
        `plugins[${i}].type`,
      );
    }
    plugins.set(name, factory(name, spec.parameters, deps));
  });

  const handlers = [...plugins.values()].filter(isProfileHandler);
  if (handlers.length > 1) {
    throw new RouterError(
      "BadRequest",
      `plugins: only one profile handler may be declared, found ${handlers.map((h) => `"${h.name}"`).join(", ")}`,
      "plugins",
    );
  }
  const handler: ProfileHandler = handlers[0] ?? new SingleProfileHandler();
  const maxProfiles = (handler as { maxProfiles?: number }).maxProfiles;
  if (maxProfiles !== undefined && config.schedulingProfiles.length > maxProfiles) {
    throw new RouterError(
      "BadRequest",
      `schedulingProfiles: profile handler "${handler.name}" (${handler.type}) drives ${maxProfiles} profile, found ${config.schedulingProfiles.length} (declare a multi-profile handler)`,
      "schedulingProfiles",
    );
  }

  const seen = new Set<string>();
  const profiles = config.schedulingProfiles.map((spec, p) => {
    const where = `schedulingProfiles[${p}] "${spec.name}"`;
    if (seen.has(spec.name))
      throw new RouterError(
        "BadRequest",
        `${where}: profile name is used twice`,
        `schedulingProfiles[${p}].name`,
      );
    seen.add(spec.name);
    const filters: Filter[] = [];
    const scorers: WeightedScorer[] = [];
    const observers: PickObserver[] = [];
    let picker: Picker | undefined;
    spec.plugins.forEach((ref, r) => {
      const field = `schedulingProfiles[${p}].plugins[${r}].pluginRef`;
      const plugin = plugins.get(ref.pluginRef);
      if (!plugin) {
        throw new RouterError(
          "BadRequest",
          `${where}: pluginRef "${ref.pluginRef}" names no declared plugin`,
          field,
        );
      }
      let used = false;
      if (isFilter(plugin)) {
        filters.push(plugin);
        used = true;
      }
      if (isScorer(plugin)) {
        scorers.push({ scorer: plugin, weight: ref.weight ?? 1 });
        used = true;
      }
      if (isPicker(plugin)) {
        if (picker) {
          throw new RouterError(
            "BadRequest",
            `${where}: has two pickers, "${picker.name}" and "${plugin.name}"`,
            field,
          );
        }
        picker = plugin;
        used = true;
      }
      if (isPickObserver(plugin)) observers.push(plugin);
      if (!used) {
        throw new RouterError(
          "BadRequest",
          `${where}: plugin "${plugin.name}" (${plugin.type}) is not a filter, scorer or picker`,
          field,
        );
      }
    });
    return new SchedulerProfile(spec.name, filters, scorers, picker ?? new MaxScorePicker(), observers);
  });
  // A handler that refers to profiles or plugins by name checks them now, whatever the order in the file.
  handler.validate?.(profiles, (name) => plugins.get(name));
  return { plugins, profiles, handler };
}
