/**
 * EndpointPickerConfig: the scheduler's plugins and profiles, in the upstream endpoint picker's format so
 * existing configs carry over. The one schema of the picker config: everything but the plugins themselves
 * is checked here (shape, unique names, references, weights, the saturation detector's thresholds), and
 * createScheduler takes the typed result. Each plugin's `parameters` are parsed by the plugin's own
 * factory, and plugin types are looked up in the registry, when the scheduler is built.
 */
import { z } from "zod";
import {
  featureGateSchema,
  flowControlSchema,
  saturationDetectorFrom,
  usageLimitFrom,
} from "../flowcontrol/config.js";
import type { SchedulerConfig } from "../scheduling/config/scheduler-config.js";
import { defaultSaturationThresholds } from "../scheduling/saturation/utilization-detector.js";
import { optionalNameMetadataSchema } from "./names.js";
import type { DocumentSource } from "./zod-issues.js";

/** apiVersion of EndpointPickerConfig. */
export const SCHEDULER_CONFIG_V1ALPHA1 = "inference.networking.x-k8s.io/v1alpha1";
/** Name given to an EndpointPickerConfig without `metadata.name` (upstream files have no metadata). */
export const DEFAULT_SCHEDULER_CONFIG_NAME = "default";

/** One plugin instance. */
export interface PluginSpec {
  /** Plugin type, e.g. "queue-scorer". */
  type: string;
  /** Instance name referenced by profiles; defaults to `type`. */
  name: string;
  /** Raw parameters for the plugin factory; {} when absent. */
  parameters: Record<string, unknown>;
}

/** A named scheduling profile: an ordered list of plugin references. */
export interface SchedulingProfileSpec {
  name: string;
  /** `weight` applies to scorers; unset lets the scheduler pick its default. */
  plugins: { pluginRef: string; weight?: number }[];
}

/** The utilization saturation detector's thresholds (upstream names), defaults filled. */
export type SaturationDetectorSpec = z.output<typeof saturationDetectorSchema>;

/** An EndpointPickerConfig, normalized; what createScheduler takes (a {@link SchedulerConfig}). */
export interface SchedulerConfigResource extends SchedulerConfig {
  /** `metadata.name`, default "default". */
  name: string;
  namespace: string;
  plugins: PluginSpec[];
  schedulingProfiles: SchedulingProfileSpec[];
  /** The saturation detector's thresholds, when the config sets any (the rest filled with defaults). */
  saturationDetector?: SaturationDetectorSpec;
  /** Enabled experimental features; [] by default. */
  featureGates: string[];
  /** The `flowControl` section as parsed (src/flowcontrol/config.ts fills its defaults); absent when unset. */
  flowControl?: z.output<typeof flowControlSchema>;
  source: DocumentSource;
}

const objectSchema = z.record(z.string(), z.unknown());

/** Largest scorer weight accepted (a guard against typos such as 20000000). */
export const MAX_SCORER_WEIGHT = 1_000_000;

/** The saturation detector's thresholds; unset ones take the detector's defaults. */
export const saturationDetectorSchema = z.strictObject({
  /** Waiting requests at which an endpoint counts as fully utilized. Default 5. */
  queueDepthThreshold: z.number().positive().default(defaultSaturationThresholds.queueDepthThreshold),
  /** KV-cache usage at which an endpoint counts as fully utilized. Default 0.8. */
  kvCacheUtilThreshold: z
    .number()
    .positive()
    .max(1)
    .default(defaultSaturationThresholds.kvCacheUtilThreshold),
});

/** The EndpointPickerConfig document. */
export const schedulerConfigSchema = z
  .strictObject({
    apiVersion: z.literal(SCHEDULER_CONFIG_V1ALPHA1),
    kind: z.literal("EndpointPickerConfig"),
    metadata: optionalNameMetadataSchema(DEFAULT_SCHEDULER_CONFIG_NAME),
    plugins: z
      .array(
        z.strictObject({
          type: z.string().min(1),
          name: z.string().min(1).optional(),
          parameters: objectSchema.nullish(),
        }),
      )
      .min(1, { error: "must declare at least one plugin" }),
    schedulingProfiles: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          plugins: z.array(
            z.strictObject({
              pluginRef: z.string().min(1),
              weight: z.number().min(0).max(MAX_SCORER_WEIGHT).nullish(),
            }),
          ),
        }),
      )
      .min(1, { error: "must declare at least one profile" }),
    saturationDetector: saturationDetectorSchema.nullish(),
    featureGates: z.array(featureGateSchema).default([]),
    // Upstream sections this router does not read yet; accepted so upstream files load.
    data: z.unknown().optional(),
    dataLayer: z.unknown().optional(),
    // Read by flow control (src/flowcontrol) when featureGates turns it on; checked either way.
    flowControl: flowControlSchema.nullish(),
    requestHandler: z.unknown().optional(),
  })
  .superRefine((doc, ctx) => {
    // flowControl.usageLimitPolicyPluginRef names a plugin of this config (upstream's shape).
    const limit = usageLimitFrom(doc.flowControl?.usageLimitPolicyPluginRef, doc.plugins);
    if ("problem" in limit)
      ctx.addIssue({
        code: "custom",
        path: ["flowControl", "usageLimitPolicyPluginRef"],
        message: limit.problem,
      });
    // flowControl.saturationDetector.pluginRef: a detector type or a concurrency-detector plugin.
    const detector = saturationDetectorFrom(doc.flowControl?.saturationDetector?.pluginRef, doc.plugins);
    if ("problem" in detector)
      ctx.addIssue({
        code: "custom",
        path: ["flowControl", "saturationDetector", "pluginRef"],
        message: detector.problem,
      });
    const names = new Map<string, number>();
    doc.plugins.forEach((p, i) => {
      const name = p.name ?? p.type;
      const first = names.get(name);
      if (first === undefined) names.set(name, i);
      else
        ctx.addIssue({
          code: "custom",
          path: ["plugins", i, p.name === undefined ? "type" : "name"],
          message: `plugin names must be unique (also plugins[${first}]; the name defaults to the type)`,
        });
    });
    const profiles = new Map<string, number>();
    doc.schedulingProfiles.forEach((profile, i) => {
      const first = profiles.get(profile.name);
      if (first === undefined) profiles.set(profile.name, i);
      else
        ctx.addIssue({
          code: "custom",
          path: ["schedulingProfiles", i, "name"],
          message: `must be unique (also schedulingProfiles[${first}])`,
        });
      profile.plugins.forEach((ref, j) => {
        if (!names.has(ref.pluginRef)) {
          const known = [...names.keys()].join(", ") || "none";
          ctx.addIssue({
            code: "custom",
            path: ["schedulingProfiles", i, "plugins", j, "pluginRef"],
            message: `must name a plugin declared in plugins (declared: ${known})`,
          });
        }
      });
    });
  });

/** Normalizes a parsed config: plugin names default to their type. */
export function schedulerConfigFromDoc(
  doc: z.output<typeof schedulerConfigSchema>,
  source: DocumentSource,
): SchedulerConfigResource {
  const config: SchedulerConfigResource = {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    plugins: doc.plugins.map((p) => ({
      type: p.type,
      name: p.name ?? p.type,
      parameters: p.parameters ?? {},
    })),
    schedulingProfiles: doc.schedulingProfiles.map((profile) => ({
      name: profile.name,
      plugins: profile.plugins.map((ref) =>
        ref.weight === undefined || ref.weight === null
          ? { pluginRef: ref.pluginRef }
          : { pluginRef: ref.pluginRef, weight: ref.weight },
      ),
    })),
    featureGates: doc.featureGates,
    source,
  };
  if (doc.saturationDetector !== undefined && doc.saturationDetector !== null)
    config.saturationDetector = doc.saturationDetector;
  if (doc.flowControl !== undefined && doc.flowControl !== null) config.flowControl = doc.flowControl;
  return config;
}
