/**
 * The `flowControl` section of an EndpointPickerConfig and its feature gate, in upstream's shape and
 * with upstream's defaults (../shared/UPSTREAM.md 2.1), so a user's config carries over. The schema is
 * part of the EndpointPickerConfig schema (src/api/scheduler-config.ts): a refusal names the file,
 * the field, the value and the rule, and a refused reload keeps the last good config.
 */
import { z } from "zod";
import { type ConcurrencyDetectorParams, concurrencyDetectorSchema } from "./concurrency-detector.js";

/** The feature gate that turns flow control on (`featureGates: ["flowControl"]`). */
export const FLOW_CONTROL_GATE = "flowControl";

/** Fairness policies (plugin type names, as upstream). */
export const FAIRNESS_POLICIES = [
  "global-strict-fairness-policy",
  "round-robin-fairness-policy",
  "program-aware-fairness",
] as const;
export type FairnessPolicyName = (typeof FAIRNESS_POLICIES)[number];

/** Ordering policies (plugin type names, as upstream). */
export const ORDERING_POLICIES = [
  "fcfs-ordering-policy",
  "edf-ordering-policy",
  "slo-deadline-ordering-policy",
] as const;
export type OrderingPolicyName = (typeof ORDERING_POLICIES)[number];

/**
 * The usage-limit policies built in: the saturation below which a band may dispatch. Upstream's
 * default `static-usage-limit-policy` (threshold 1.0, every band alike) and `priority-holdback-policy`
 * (lower bands stop earlier, keeping headroom for higher ones). Declared, with parameters, in the
 * EndpointPickerConfig's `plugins` and named by `usageLimitPolicyPluginRef`, as upstream.
 */
export const USAGE_LIMIT_POLICIES = ["static-usage-limit-policy", "priority-holdback-policy"] as const;

/** `static-usage-limit-policy` parameters. */
export const staticUsageLimitSchema = z.strictObject({
  /** Saturation at or above which no band dispatches. Default 1.0. */
  threshold: z.number().positive().max(10).default(1),
});

/** `priority-holdback-policy` parameters (upstream names). */
export const priorityHoldbackSchema = z
  .strictObject({
    shape: z.literal("linear").default("linear"),
    /** rank: ceilings spread by the band's rank; value: by its priority value. */
    domain: z.enum(["rank", "value"]).default("rank"),
    /** The lowest band's ceiling (required). */
    minCeiling: z.number().positive().max(1),
    /** The highest band's ceiling. Default 1.0. */
    maxCeiling: z.number().positive().max(10).default(1),
  })
  .refine((p) => p.minCeiling <= p.maxCeiling, {
    error: "minCeiling must not be above maxCeiling",
    path: ["minCeiling"],
  });

/** The usage limit in force, parameters filled. */
export type UsageLimit =
  | { policy: "static-usage-limit-policy"; threshold: number }
  | { policy: "priority-holdback-policy"; domain: "rank" | "value"; minCeiling: number; maxCeiling: number };

/**
 * The ceiling of band `rank` (0 = highest) of `priorities` (descending, the pool's bands): the
 * saturation at or above which it does not dispatch.
 */
export function bandCeiling(limit: UsageLimit, priorities: readonly number[], rank: number): number {
  if (limit.policy === "static-usage-limit-policy") return limit.threshold;
  const { minCeiling: min, maxCeiling: max } = limit;
  const n = priorities.length;
  if (n <= 1) return max;
  if (limit.domain === "rank") return max - (rank * (max - min)) / (n - 1);
  const hi = priorities[0]!;
  const lo = priorities[n - 1]!;
  return hi === lo ? max : min + ((priorities[rank]! - lo) * (max - min)) / (hi - lo);
}
/** The saturation detectors built in. */
export const SATURATION_DETECTORS = ["utilization-detector", "concurrency-detector"] as const;

/** Plugin types of `plugins` that flow control reads (the scheduler does not see them). */
export const FLOW_CONTROL_PLUGIN_TYPES: readonly string[] = [...USAGE_LIMIT_POLICIES, "concurrency-detector"];

/** The saturation detector flow control gates on, parameters filled. */
export type DetectorSpec =
  | { type: "utilization-detector" }
  | ({ type: "concurrency-detector" } & ConcurrencyDetectorParams);

const UTILIZATION: DetectorSpec = { type: "utilization-detector" };

/**
 * The detector `flowControl.saturationDetector.pluginRef` names: a `concurrency-detector` plugin of
 * `plugins` (its parameters parsed), or a detector type with its defaults (`utilization-detector`
 * takes its thresholds from the config's top-level `saturationDetector`). The problem as a rule when
 * it cannot.
 */
export function saturationDetectorFrom(
  ref: string | undefined,
  plugins: readonly { type: string; name?: string | undefined; parameters?: unknown }[],
): DetectorSpec | { problem: string } {
  if (ref === undefined || ref === "utilization-detector") return UTILIZATION;
  const plugin = plugins.find((p) => (p.name ?? p.type) === ref) ?? { type: ref, parameters: {} };
  if (plugin.type === "concurrency-detector") {
    const r = concurrencyDetectorSchema.safeParse(plugin.parameters ?? {});
    return r.success
      ? { type: "concurrency-detector", ...r.data }
      : {
          problem: `concurrency-detector parameters: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`,
        };
  }
  return {
    problem: `must name a built-in saturation detector (${SATURATION_DETECTORS.join(", ")}) or a plugin of type concurrency-detector declared in plugins`,
  };
}

/** Per-band defaults (upstream #2123: bounded by default). */
export const DEFAULT_BAND_MAX_BYTES = 1_000_000_000;
export const DEFAULT_BAND_MAX_REQUESTS = 5000;
/** Queue-wait budget, ms (upstream `defaultRequestTTL` 60s). */
export const DEFAULT_REQUEST_TTL_MS = 60_000;

const GATE = /^([A-Za-z][A-Za-z0-9_-]*)(?:=(true|false))?$/;

/** A `featureGates` entry: `name`, `name=true` or `name=false`. */
export const featureGateSchema = z.string().regex(GATE, { error: "must be name, name=true or name=false" });

/**
 * The gates a list turns on or off (later entries win).
 *
 * @example
 * parseFeatureGates(["flowControl", "x=false"]); // Map { "flowControl" => true, "x" => false }
 */
export function parseFeatureGates(gates: readonly string[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const g of gates) {
    const m = GATE.exec(g);
    if (m) out.set(m[1]!, m[2] !== "false");
  }
  return out;
}

const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$/;
const FACTORS: Record<string, number> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes resource quantity ("1G", "512Mi", "5000", or a YAML number) as a whole number >= 0. */
export function parseQuantity(v: string | number): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  const m = QUANTITY.exec(v.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * FACTORS[m[2] ?? ""]!);
}

const quantitySchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseQuantity(v);
  if (n === undefined) {
    ctx.addIssue({
      code: "custom",
      message:
        typeof v === "number" || /^-/.test(v.trim())
          ? "must not be negative"
          : "must be a quantity such as 5000, 1G or 512Mi",
    });
    return z.NEVER;
  }
  return n;
});

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration ("60s", "1m30s", "500ms", "0s"; "0" alone too) in ms; undefined when it does not parse. */
export function parseDuration(v: string): number | undefined {
  const s = v.trim();
  if (s === "0") return 0;
  if (!DURATION.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(DURATION_PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

const durationSchema = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: "custom",
      message: /^-/.test(v.trim())
        ? "must not be negative"
        : 'must be a duration such as "60s", "1m30s" or "500ms" ("0s" = no limit)',
    });
    return z.NEVER;
  }
  return ms;
});

const policyRef = <T extends readonly [string, ...string[]]>(names: T, kind: string) =>
  z.string().refine((v): v is T[number] => (names as readonly string[]).includes(v), {
    error: `must name a built-in ${kind} policy (${names.join(", ")})`,
  });

const bandFields = {
  /** Bytes queued in the band; 0 or unset = the default (1G). */
  maxBytes: quantitySchema.optional(),
  /** Requests queued in the band; 0 or unset = the default (5000). */
  maxRequests: quantitySchema.optional(),
  fairnessPolicyRef: policyRef(FAIRNESS_POLICIES, "fairness").optional(),
  orderingPolicyRef: policyRef(ORDERING_POLICIES, "ordering").optional(),
};

const bandTemplateSchema = z.strictObject(bandFields);
const bandSchema = z.strictObject({ priority: z.int(), ...bandFields });

/** The `flowControl` section as written (upstream keys). */
export const flowControlSchema = z
  .strictObject({
    /** Bytes queued in all bands; unset or 0 = unlimited. */
    maxBytes: quantitySchema.optional(),
    /** Requests queued in all bands; unset or 0 = unlimited. */
    maxRequests: quantitySchema.optional(),
    /** Queue-wait budget while the pool has endpoints; default 60s; "0s" = none. */
    defaultRequestTTL: durationSchema.optional(),
    /** Queue-wait budget while the pool has no endpoint; default = defaultRequestTTL. */
    noEndpointRequestTTL: durationSchema.optional(),
    defaultPriorityBand: bandTemplateSchema.nullish(),
    defaultNegativePriorityBand: bandTemplateSchema.nullish(),
    priorityBands: z.array(bandSchema).default([]),
    /** A plugin of the config's `plugins` of a usage-limit type, or a type name (default parameters). */
    usageLimitPolicyPluginRef: z.string().min(1).optional(),
    saturationDetector: z
      .strictObject({
        /** A detector type, or a plugin of `plugins` (checked with them: saturationDetectorFrom). */
        pluginRef: z.string().min(1),
      })
      .nullish(),
    /** In-flight eviction of sheddable (priority < 0) requests when a higher band is blocked. */
    enableEviction: z.boolean().optional(),
  })
  .superRefine((fc, ctx) => {
    const seen = new Map<number, number>();
    fc.priorityBands.forEach((b, i) => {
      const first = seen.get(b.priority);
      if (first === undefined) seen.set(b.priority, i);
      else
        ctx.addIssue({
          code: "custom",
          path: ["priorityBands", i, "priority"],
          message: `must be unique: a band is listed once (also priorityBands[${first}])`,
        });
    });
  });

/** One band's settings, defaults filled. */
export interface BandSpec {
  maxBytes: number;
  maxRequests: number;
  fairness: FairnessPolicyName;
  ordering: OrderingPolicyName;
}

/** The flow-control settings, defaults filled (what the controller takes). */
export interface FlowControlConfig {
  /** Global cap on queued bytes; 0 = unlimited. */
  maxBytes: number;
  /** Global cap on queued requests; 0 = unlimited. */
  maxRequests: number;
  /** Queue-wait budget while the pool has endpoints, ms; 0 = none. */
  defaultRequestTTLMs: number;
  /** Queue-wait budget while the pool has no endpoint, ms; 0 = none. */
  noEndpointRequestTTLMs: number;
  /** Template for priorities >= 0 not listed. */
  defaultBand: BandSpec;
  /** Template for priorities < 0 not listed. */
  defaultNegativeBand: BandSpec;
  /** Listed bands by priority. */
  bands: ReadonlyMap<number, BandSpec>;
  /** Per-band dispatch ceilings. Default static 1.0. */
  usageLimit: UsageLimit;
  /** In-flight eviction of sheddable requests when a higher band is blocked (default false). */
  enableEviction: boolean;
  /** The saturation detector (default utilization-detector). */
  detector: DetectorSpec;
}

type BandInput = z.output<typeof bandTemplateSchema> | null | undefined;

function bandSpec(b: BandInput, fallback: BandSpec): BandSpec {
  return {
    maxBytes: b?.maxBytes || fallback.maxBytes,
    maxRequests: b?.maxRequests || fallback.maxRequests,
    fairness: (b?.fairnessPolicyRef as FairnessPolicyName | undefined) ?? fallback.fairness,
    ordering: (b?.orderingPolicyRef as OrderingPolicyName | undefined) ?? fallback.ordering,
  };
}

const BASE_BAND: BandSpec = {
  maxBytes: DEFAULT_BAND_MAX_BYTES,
  maxRequests: DEFAULT_BAND_MAX_REQUESTS,
  fairness: "global-strict-fairness-policy",
  ordering: "fcfs-ordering-policy",
};

/**
 * Fills upstream's defaults into a parsed section (undefined = a section with nothing set).
 *
 * @example
 * flowControlConfigFrom(undefined).defaultRequestTTLMs; // 60000
 */
export function flowControlConfigFrom(
  fc: z.output<typeof flowControlSchema> | undefined,
  usageLimit: UsageLimit = { policy: "static-usage-limit-policy", threshold: 1 },
  detector: DetectorSpec = UTILIZATION,
): FlowControlConfig {
  const defaultBand = bandSpec(fc?.defaultPriorityBand, BASE_BAND);
  const defaultNegativeBand = bandSpec(fc?.defaultNegativePriorityBand, defaultBand);
  const bands = new Map<number, BandSpec>();
  for (const b of fc?.priorityBands ?? [])
    bands.set(b.priority, bandSpec(b, b.priority < 0 ? defaultNegativeBand : defaultBand));
  const ttl = fc?.defaultRequestTTL ?? DEFAULT_REQUEST_TTL_MS;
  return {
    maxBytes: fc?.maxBytes ?? 0,
    maxRequests: fc?.maxRequests ?? 0,
    defaultRequestTTLMs: ttl,
    noEndpointRequestTTLMs: fc?.noEndpointRequestTTL ?? ttl,
    defaultBand,
    defaultNegativeBand,
    bands,
    usageLimit,
    enableEviction: fc?.enableEviction ?? false,
    detector,
  };
}

/**
 * The usage limit `ref` names: a plugin of `plugins` (its parameters parsed), or a policy type with its
 * defaults. Returns the problem as a rule when it cannot (the config schema refuses the config then).
 */
export function usageLimitFrom(
  ref: string | undefined,
  plugins: readonly { type: string; name?: string | undefined; parameters?: unknown }[],
): UsageLimit | { problem: string } {
  if (ref === undefined) return { policy: "static-usage-limit-policy", threshold: 1 };
  const plugin = plugins.find((p) => (p.name ?? p.type) === ref) ?? { type: ref, parameters: {} };
  const params = plugin.parameters ?? {};
  if (plugin.type === "static-usage-limit-policy") {
    const r = staticUsageLimitSchema.safeParse(params);
    return r.success
      ? { policy: plugin.type, ...r.data }
      : { problem: `static-usage-limit-policy parameters: ${r.error.issues[0]?.message}` };
  }
  if (plugin.type === "priority-holdback-policy") {
    const r = priorityHoldbackSchema.safeParse(params);
    return r.success
      ? {
          policy: plugin.type,
          domain: r.data.domain,
          minCeiling: r.data.minCeiling,
          maxCeiling: r.data.maxCeiling,
        }
      : {
          problem: `priority-holdback-policy parameters: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`,
        };
  }
  return {
    problem: `must name a plugin of type ${USAGE_LIMIT_POLICIES.join(" or ")} declared in plugins, or one of those types`,
  };
}

/** The band settings for a priority: its listed band, else the template for its sign. */
export function bandFor(config: FlowControlConfig, priority: number): BandSpec {
  return config.bands.get(priority) ?? (priority < 0 ? config.defaultNegativeBand : config.defaultBand);
}
