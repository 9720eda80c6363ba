/** The CRDs we ship for kinds upstream's release no longer holds, checked against our own schemas. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { crdFiles } from "../../../runtimes/node/deploy/crds/generate-crds.js";
import { parseManifests } from "../../../src/api/parse-manifests.js";

const deploy = fileURLToPath(new URL("../../../runtimes/node/deploy/", import.meta.url));
const crdDir = join(deploy, "crds");
// biome-ignore lint/suspicious/noExplicitAny: walking parsed YAML
type Doc = Record<string, any>;

/** The subset of Kubernetes' structural-schema validation our CRDs use: the errors, by path. */
function validate(schema: Doc, value: unknown, path = "$"): string[] {
  const errors: string[] = [];
  const type = schema.type as string | undefined;
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  if (type === "object" && !isObject) return [`${path}: not an object`];
  if (type === "array" && !Array.isArray(value)) return [`${path}: not an array`];
  if (type === "string" && typeof value !== "string") return [`${path}: not a string`];
  if (type === "integer" && !Number.isInteger(value)) return [`${path}: not an integer`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not one of ${schema.enum}`);
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above maximum`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: too long`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: pattern`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      errors.push(`${path}: too few items`);
    for (const [i, item] of value.entries())
      errors.push(...validate(schema.items ?? {}, item, `${path}[${i}]`));
  }
  if (isObject) {
    const object = value as Doc;
    for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${path}.${key}: required`);
    for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Doc>))
      if (key in object) errors.push(...validate(sub, object[key], `${path}.${key}`));
  }
  return errors;
}

const shipped = readdirSync(crdDir)
  .filter((f) => f.endsWith(".yaml"))
  .map((file) => ({ file, crd: parse(readFileSync(join(crdDir, file), "utf8")) as Doc }));
const schemaOf = (kind: string) =>
  shipped.find((s) => s.crd.spec.names.kind === kind)!.crd.spec.versions[0].schema.openAPIV3Schema as Doc;
const docsOf = (path: string) => parseAllDocuments(readFileSync(path, "utf8")).map((d) => d.toJS() as Doc);

describe("shipped CRDs", () => {
  it("are the ones generated from src/api (npx tsx runtimes/node/deploy/crds/generate-crds.ts rewrites them)", () => {
    const generated = crdFiles();
    expect(shipped.map((s) => s.file).sort()).toEqual(generated.map((g) => g.file).sort());
    for (const { file, text } of generated) expect(readFileSync(join(crdDir, file), "utf8"), file).toBe(text);
  });

  it("serve the group and version our parser reads for each kind", () => {
    for (const { crd } of shipped) {
      const { group, names, versions } = crd.spec;
      expect(crd.metadata.name).toBe(`${names.plural}.${group}`);
      const doc = { apiVersion: `${group}/${versions[0].name}`, kind: names.kind, metadata: { name: "x" } };
      const parsed = parseManifests([{ path: "x.yaml", text: JSON.stringify(doc) }]);
      // Refused for its missing spec, not for its apiVersion or kind.
      const errors = parsed.ok ? "" : parsed.errors.join("\n");
      expect(errors).toMatch(/spec: \(missing\)/);
      expect(errors).not.toMatch(/apiVersion|unknown kind/i);
    }
  });

  it("accept the kit's objectives and the demo's rewrite, which our parser accepts", () => {
    const objectives = docsOf(join(deploy, "k8s/objectives.yaml"));
    const rewrite = docsOf(
      fileURLToPath(new URL("../../../runtimes/node/examples/demo/rewrite.yaml", import.meta.url)),
    );
    for (const doc of objectives) expect(validate(schemaOf("InferenceObjective"), doc)).toEqual([]);
    for (const doc of rewrite) expect(validate(schemaOf("InferenceModelRewrite"), doc)).toEqual([]);
  });

  it("refuse what our parser refuses: a fractional priority, a pool name that is not DNS, no targets", () => {
    const objective = docsOf(join(deploy, "k8s/objectives.yaml"))[0]!;
    expect(
      validate(schemaOf("InferenceObjective"), { ...objective, spec: { ...objective.spec, priority: 1.5 } }),
    ).toEqual(["$.spec.priority: not an integer"]);
    expect(
      validate(schemaOf("InferenceObjective"), { ...objective, spec: { poolRef: { name: "Not_DNS" } } }),
    ).toEqual(["$.spec.poolRef.name: pattern"]);
    expect(
      validate(schemaOf("InferenceModelRewrite"), {
        spec: { poolRef: { name: "p" }, rules: [{ matches: [], targets: [] }] },
      }),
    ).toEqual(["$.spec.rules[0].targets: too few items"]);
  });
});
