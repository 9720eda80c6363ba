/**
 * The scheduler's configuration: the upstream EndpointPickerConfig shape. Accepts any plain object
 * of that shape (src/api's SchedulerConfigResource, YAML parsed elsewhere, or a literal).
 */
import { z } from "zod";
import { RouterError } from "../../core/errors.js";

const pluginSpec = z.object({
  type: z.string().min(1),
  name: z.string().min(1).optional(),
  parameters: z.unknown().optional(),
});

const profilePluginRef = z.object({
  pluginRef: z.string().min(1),
  /** Scorer weight; a scorer without one gets 1. */
  weight: z.number().min(0).max(1_000_000).optional(),
});

const profileSpec = z.object({
  name: z.string().min(1),
  plugins: z.array(profilePluginRef),
});

/** The saturation detector's thresholds (upstream utilization detector names). */
export const saturationDetectorSchema = z.strictObject({
  /** Waiting requests at which an endpoint counts as fully utilized. Default 5. */
  queueDepthThreshold: z.number().positive().default(5),
  /** KV-cache usage at which an endpoint counts as fully utilized. Default 0.8. */
  kvCacheUtilThreshold: z.number().positive().max(1).default(0.8),
});

export const schedulerConfigSchema = z.object({
  plugins: z.array(pluginSpec).min(1),
  schedulingProfiles: z.array(profileSpec).min(1),
  saturationDetector: saturationDetectorSchema.nullish(),
});

/** Input shape (what a user writes). */
export type SchedulerConfigInput = z.input<typeof schedulerConfigSchema>;
/** Parsed config. */
export type SchedulerConfig = z.output<typeof schedulerConfigSchema>;
export type SaturationDetectorConfig = z.output<typeof saturationDetectorSchema>;

/**
 * Parses a config object.
 * @throws RouterError("BadRequest") naming the field, e.g. `schedulingProfiles[0].plugins[1].pluginRef: ...`.
 */
export function parseSchedulerConfig(input: unknown): SchedulerConfig {
  const parsed = schedulerConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .slice(1);
  const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
  throw new RouterError(
    "BadRequest",
    `scheduler config ${field || "(root)"}: ${issue.message}${keys}`,
    field,
  );
}
