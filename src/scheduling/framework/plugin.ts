/**
 * What every scheduling plugin is, and how one is built: a factory `(name, parameters, deps)` that
 * parses its own parameters and names itself in every error. The framework imports nothing from
 * plugins/; plugins import the framework.
 */
import type { z } from "zod";
import { RouterError } from "../../core/errors.js";
import { fieldPath, formatFieldIssue, parseFields } from "../../core/field-error.js";
import type { Random } from "../../core/random.js";
import type { SchedulerMetrics } from "../metrics.js";
import type { PrefixIndexFactory } from "../prefix-index.js";

/** Identity shared by all plugins. */
export interface Plugin {
  /** Registered type, e.g. "queue-scorer". */
  readonly type: string;
  /** Instance name, unique within a config; defaults to the type. */
  readonly name: string;
}

/**
 * Per-decision context handed to every plugin call. One object per scheduler, refilled on each
 * call (scheduling is synchronous), so plugins must not keep it.
 */
export interface CycleContext {
  /** Randomness for tie-breaks and random pickers (the scheduler's, or an explain-only one). */
  random: Random;
  /** True for explain and dry runs: plugins must not change shared state. */
  dryRun: boolean;
}

/** What a factory may use besides its parameters. */
export interface PluginDeps {
  /** Builds the prefix index for prefix-cache-scorer; undefined = no prefix-cache-scorer possible. */
  prefixIndexFactory: PrefixIndexFactory | undefined;
  metrics: SchedulerMetrics;
  /** A plugin declared earlier in the same config (decision-tree-filter refers to filters by name). */
  plugin(name: string): Plugin | undefined;
}

/** Builds one plugin instance. Throws RouterError("BadRequest") naming the plugin on bad parameters. */
export type PluginFactory = (name: string, parameters: unknown, deps: PluginDeps) => Plugin;

/**
 * Parses a plugin's parameters with its schema; `undefined`/`null` count as `{}`. Errors name the
 * plugin, the parameter and the rule.
 *
 * @example
 * const p = parsePluginParameters(schema, "my-picker", "max-score-picker", { maxNumOfEndpoints: 3 });
 */
export function parsePluginParameters<S extends z.ZodType>(
  schema: S,
  name: string,
  type: string,
  parameters: unknown,
): z.output<S> {
  const parsed = parseFields(schema, parameters ?? {});
  if (parsed.ok) return parsed.value;
  const issue = parsed.issues[0]!;
  const field = fieldPath(["parameters", ...issue.path]);
  throw pluginError(name, type, formatFieldIssue({ ...issue, field }, "parameters"));
}

/** A configuration error about one plugin instance. */
export function pluginError(name: string, type: string, message: string): RouterError {
  const who = name === type ? `plugin "${name}"` : `plugin "${name}" (${type})`;
  return new RouterError("BadRequest", `${who}: ${message}`, `plugins.${name}`);
}
