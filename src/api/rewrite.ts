/**
 * InferenceModelRewrite: rules mapping the requested model name to weighted target models within a pool
 * (aliases, catch-all defaults, canary splits). Field names follow upstream v1alpha2.
 */
import { z } from "zod";
import { metadataSchema, poolRefSchema } from "./names.js";
import { X_V1ALPHA2 } from "./objective.js";
import { checkWeightedList, fillWeights, weightSchema } from "./weights.js";
import type { DocumentSource } from "./zod-issues.js";

/** One rewrite rule, normalized. The first rule that matches wins. */
export interface RewriteRule {
  /** Exact model names that select this rule; empty = matches every model (catch-all). */
  matches: string[];
  /** Where matching requests go; weights filled (all 1 when none was set). */
  targets: { model: string; weight: number }[];
}

/** An InferenceModelRewrite, normalized. */
export interface RewriteResource {
  name: string;
  /** Default "default". */
  namespace: string;
  /** Name of the InferencePool in the same namespace. */
  poolName: string;
  rules: RewriteRule[];
  source: DocumentSource;
}

const matchSchema = z.strictObject({
  model: z.strictObject({
    type: z.literal("Exact").default("Exact"),
    value: z.string().min(1),
  }),
});

const ruleSchema = z.strictObject({
  matches: z.array(matchSchema).default([]),
  targets: z
    .array(z.strictObject({ modelRewrite: z.string().min(1), weight: weightSchema.optional() }))
    .min(1)
    .superRefine((list, ctx) => checkWeightedList(list, ctx, "targets", "modelRewrite")),
});

/** The InferenceModelRewrite document. */
export const rewriteSchema = z.strictObject({
  apiVersion: z.literal(X_V1ALPHA2),
  kind: z.literal("InferenceModelRewrite"),
  metadata: metadataSchema,
  status: z.unknown().optional(),
  spec: z.strictObject({
    poolRef: poolRefSchema,
    rules: z
      .array(ruleSchema)
      .min(1)
      .superRefine((rules, ctx) => {
        // A model matched by an earlier rule (or after a catch-all) can never reach the later rule.
        const seen = new Map<string, number>();
        let catchAll: number | undefined;
        rules.forEach((rule, i) => {
          if (rule.matches.length === 0) {
            if (catchAll !== undefined)
              ctx.addIssue({
                code: "custom",
                path: [i, "matches"],
                message: `duplicates the catch-all rules[${catchAll}]`,
              });
            catchAll ??= i;
          }
          rule.matches.forEach((m, j) => {
            const first = seen.get(m.model.value);
            if (first !== undefined)
              ctx.addIssue({
                code: "custom",
                path: [i, "matches", j, "model", "value"],
                message: `is already matched by rules[${first}]`,
              });
            else seen.set(m.model.value, i);
          });
        });
      }),
  }),
});

/** Normalizes a parsed rewrite. */
export function rewriteFromDoc(doc: z.output<typeof rewriteSchema>, source: DocumentSource): RewriteResource {
  return {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    poolName: doc.spec.poolRef.name,
    rules: doc.spec.rules.map((rule) => {
      const weights = fillWeights(rule.targets);
      return {
        matches: rule.matches.map((m) => m.model.value),
        targets: rule.targets.map((t, i) => ({ model: t.modelRewrite, weight: weights[i] ?? 1 })),
      };
    }),
    source,
  };
}
