/**
 * InferenceObjective: a named priority for requests (header `x-gateway-inference-objective`) within a pool.
 */
import { z } from "zod";
import { metadataSchema, poolRefSchema } from "./names.js";
import type { DocumentSource } from "./zod-issues.js";

/** apiVersion of InferenceObjective (and of the older InferenceModel and of InferenceModelRewrite). */
export const X_V1ALPHA2 = "inference.networking.x-k8s.io/v1alpha2";

/** An InferenceObjective, normalized. */
export interface ObjectiveResource {
  name: string;
  /** Default "default". */
  namespace: string;
  /** Higher is more important; unset = 0; negative = sheddable (dropped first under saturation). */
  priority: number;
  /** Name of the InferencePool in the same namespace. */
  poolName: string;
  source: DocumentSource;
}

/** The InferenceObjective document. */
export const objectiveSchema = z.strictObject({
  apiVersion: z.literal(X_V1ALPHA2),
  kind: z.literal("InferenceObjective"),
  metadata: metadataSchema,
  status: z.unknown().optional(),
  spec: z.strictObject({
    priority: z.int().min(-2_147_483_648).max(2_147_483_647).optional(),
    poolRef: poolRefSchema,
  }),
});

/** Normalizes a parsed objective: unset priority becomes 0. */
export function objectiveFromDoc(
  doc: z.output<typeof objectiveSchema>,
  source: DocumentSource,
): ObjectiveResource {
  return {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    priority: doc.spec.priority ?? 0,
    poolName: doc.spec.poolRef.name,
    source,
  };
}
