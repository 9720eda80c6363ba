/**
 * InferenceModel (older v1alpha2 API): a client-facing model name with a criticality and an optional
 * weighted split over target models. Mapped onto the same priority scale as InferenceObjective.
 */
import { z } from "zod";
import { metadataSchema, poolRefSchema } from "./names.js";
import { X_V1ALPHA2 } from "./objective.js";
import { checkWeightedList, fillWeights, weightSchema } from "./weights.js";
import type { DocumentSource } from "./zod-issues.js";

/** The older priority classes. */
export type Criticality = "Critical" | "Standard" | "Sheddable";

/**
 * Criticality to priority: Critical = 2, Standard (and unset) = 0, Sheddable = -1, so a negative priority
 * means sheddable exactly as for InferenceObjective.
 */
export const CRITICALITY_PRIORITY: Readonly<Record<Criticality, number>> = {
  Critical: 2,
  Standard: 0,
  Sheddable: -1,
};

/** An InferenceModel, normalized. */
export interface ModelResource {
  name: string;
  /** Default "default". */
  namespace: string;
  /** The model name clients send (request body `model`). */
  modelName: string;
  /** As written; unset means Standard. */
  criticality?: Criticality;
  /** From {@link CRITICALITY_PRIORITY}. */
  priority: number;
  /** Name of the InferencePool in the same namespace. */
  poolName: string;
  /** Weighted split; all weights 1 when none was set; empty = serve `modelName` unchanged. */
  targetModels: { name: string; weight: number }[];
  source: DocumentSource;
}

/** The InferenceModel document. */
export const modelSchema = z.strictObject({
  apiVersion: z.literal(X_V1ALPHA2),
  kind: z.literal("InferenceModel"),
  metadata: metadataSchema,
  status: z.unknown().optional(),
  spec: z.strictObject({
    modelName: z.string().min(1).max(256),
    criticality: z.enum(["Critical", "Standard", "Sheddable"]).optional(),
    targetModels: z
      .array(z.strictObject({ name: z.string().min(1).max(253), weight: weightSchema.optional() }))
      .max(10)
      .superRefine((list, ctx) => checkWeightedList(list, ctx, "targetModels", "name"))
      .default([]),
    poolRef: poolRefSchema,
  }),
});

/** Normalizes a parsed model: priority from criticality, weights filled. */
export function modelFromDoc(doc: z.output<typeof modelSchema>, source: DocumentSource): ModelResource {
  const { spec } = doc;
  const weights = fillWeights(spec.targetModels);
  const model: ModelResource = {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    modelName: spec.modelName,
    priority: CRITICALITY_PRIORITY[spec.criticality ?? "Standard"],
    poolName: spec.poolRef.name,
    targetModels: spec.targetModels.map((t, i) => ({ name: t.name, weight: weights[i] ?? 1 })),
    source,
  };
  if (spec.criticality !== undefined) model.criticality = spec.criticality;
  return model;
}
