/**
 * CustomResourceDefinitions for the kinds upstream no longer ships in the Gateway API Inference
 * Extension release (InferenceObjective, InferenceModelRewrite: they moved with the endpoint picker),
 * generated from our own zod schemas so that the API server accepts exactly what the router reads.
 *   npx tsx runtimes/node/deploy/crds/generate-crds.ts   (rewrites the YAML files next to this one)
 * test/runtimes/node/crds.test.ts fails when a shipped file differs from what this generates.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { z } from "zod";
import { objectiveSchema, X_V1ALPHA2 } from "../../../../src/api/objective.js";
import { rewriteSchema } from "../../../../src/api/rewrite.js";

type JsonSchema = { [key: string]: unknown };

/**
 * A JSON Schema from zod, made structural as Kubernetes wants it: no `$schema`, no
 * `additionalProperties: false` (the API server prunes unknown fields instead), `const` as a
 * one-value `enum`.
 */
export function structural(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$schema" || (key === "additionalProperties" && value === false)) continue;
    if (key === "const") out.enum = [value];
    else if (key === "properties")
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, structural(v)]),
      );
    else if (key === "items") out.items = structural(value as JsonSchema);
    else out[key] = value;
  }
  return out;
}

/** One CRD document for a kind of ours whose documents `schema` parses. */
export function crdFor(kind: string, schema: z.ZodObject<{ spec: z.ZodType }>): JsonSchema {
  const [group, version] = X_V1ALPHA2.split("/") as [string, string];
  const plural = `${kind.toLowerCase()}s`;
  const spec = structural(z.toJSONSchema(schema.shape.spec, { io: "input" }) as JsonSchema);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec,
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
        },
      ],
    },
  };
}

/** The shipped CRD files: file name (next to this script) and its text. */
export function crdFiles(): { file: string; text: string }[] {
  const header = (kind: string) =>
    `# The ${kind} CRD, generated from src/api by runtimes/node/deploy/crds/generate-crds.ts: do not edit.\n`;
  return [
    { kind: "InferenceObjective", schema: objectiveSchema },
    { kind: "InferenceModelRewrite", schema: rewriteSchema },
  ].map(({ kind, schema }) => ({
    file: `${kind.toLowerCase()}s.yaml`,
    text: header(kind) + stringify(crdFor(kind, schema), { lineWidth: 0 }),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { file, text } of crdFiles()) writeFileSync(fileURLToPath(new URL(file, import.meta.url)), text);
}
