import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { errorsOf, poolYaml, resourcesOf } from "./parse-helpers.js";

const objective = (name: string, pool: string, namespace = "default") => `---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: { name: ${name}, namespace: ${namespace} }
spec: { priority: 1, poolRef: { name: ${pool} } }
`;

describe("parseManifests", () => {
  it("reads every document of a multi-document file and skips empty ones", () => {
    const text = `---\n# only a comment\n---\n${poolYaml("pool-a")}---\n---\n${poolYaml("pool-b")}---\n`;
    const { pools } = resourcesOf(text);
    expect(pools.map((p) => [p.name, p.source.doc])).toEqual([
      ["pool-a", 1],
      ["pool-b", 3],
    ]);
  });

  it("accepts an empty config set and empty files", () => {
    const result = parseManifests([]);
    expect(result.ok).toBe(true);
    expect(resourcesOf("").pools).toEqual([]);
  });

  it("reads JSON files too", () => {
    const json = JSON.stringify({
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: "from-json" },
      spec: { selector: { matchLabels: { app: "x" } }, targetPorts: [{ number: 8000 }] },
    });
    expect(resourcesOf(json, "pool.json").pools[0]?.name).toBe("from-json");
  });

  it("keeps file order, then document order, across files", () => {
    const result = parseManifests([
      { path: "b.yaml", text: poolYaml("pool-b") },
      { path: "a.yaml", text: `${poolYaml("pool-a")}${objective("o", "pool-b")}` },
    ]);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.resources.pools.map((p) => p.source)).toEqual([
      { file: "b.yaml", doc: 0 },
      { file: "a.yaml", doc: 0 },
    ]);
    expect(result.resources.objectives[0]?.poolName).toBe("pool-b");
  });

  it("reports a YAML syntax error with file, document and line, and still checks the other documents", () => {
    const text = `${poolYaml("pool-a")}---\nkind: InferencePool\nmetadata: @x\n---\nkind: Bogus\n`;
    const errors = errorsOf(text, "bad.yaml");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(
      "bad.yaml#1 line 9, column 11: invalid YAML: Plain value cannot start with reserved character @",
    );
    expect(errors[1]).toMatch(/^bad\.yaml#2 kind: "Bogus" — unknown kind; expected one of InferencePool, /);
  });

  it("reports duplicate keys as YAML errors", () => {
    const [error] = errorsOf("kind: InferencePool\nkind: InferencePool\n");
    expect(error).toMatch(/^test\.yaml#0 line 2, column 1: invalid YAML: Map keys must be unique/);
  });

  it("refuses a document that is not a mapping, a missing kind and an unknown apiVersion", () => {
    expect(errorsOf("- a\n- b\n")).toEqual([
      'test.yaml#0: ["a","b"] — a document must be a mapping with apiVersion, kind, metadata',
    ]);
    expect(errorsOf("apiVersion: v1\nmetadata: { name: x }\n")).toEqual([
      "test.yaml#0 kind: (missing) — is required",
    ]);
    expect(errorsOf("apiVersion: inference.networking.k8s.io/v2\nkind: InferencePool\n")).toEqual([
      'test.yaml#0 apiVersion: "inference.networking.k8s.io/v2" — must be "inference.networking.k8s.io/v1" or "inference.networking.x-k8s.io/v1alpha2" for kind InferencePool',
    ]);
  });

  it("refuses a missing or invalid metadata.name, a bad namespace and unknown top-level fields", () => {
    expect(errorsOf(poolYaml().replace("name: pool-a,", ""))).toEqual([
      "test.yaml#0 metadata.name: (missing) — is required",
    ]);
    expect(errorsOf(poolYaml("Pool_A"))).toEqual([
      "test.yaml#0 metadata.name: \"Pool_A\" — must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending alphanumeric)",
    ]);
    const [long] = errorsOf(poolYaml("a".repeat(254)));
    expect(long).toMatch(/^test\.yaml#0 metadata\.name: "a+… — must be at most 253 characters long$/);
    expect(errorsOf(poolYaml("pool-a", "team.a"))[0]).toMatch(
      /^test\.yaml#0 metadata\.namespace: "team\.a" — must be a DNS-1123 label/,
    );
    expect(errorsOf(`${poolYaml()}specs: {}\n`)).toEqual([
      "test.yaml#0 specs: {} — is not a known field (check its spelling)",
    ]);
  });

  it("accepts metadata labels, annotations and a status block as kubectl prints them", () => {
    const text = poolYaml().replace(
      "metadata: { name: pool-a, namespace: default }",
      "metadata: { name: pool-a, namespace: default, labels: { a: b }, annotations: { c: d }, uid: x }\nstatus: { parent: [] }",
    );
    expect(resourcesOf(text).pools).toHaveLength(1);
  });

  it("refuses two resources with the same kind, namespace and name, pointing at the first", () => {
    const result = parseManifests([
      { path: "a.yaml", text: poolYaml("pool-a") },
      { path: "b.yaml", text: `${poolYaml("pool-a")}---\n${poolYaml("pool-a", "other")}` },
    ]);
    expect(result.ok ? [] : result.errors).toEqual([
      'b.yaml#0 metadata.name: "pool-a" — duplicates InferencePool default/pool-a defined at a.yaml#0',
    ]);
  });

  it("allows the same name for different kinds", () => {
    const { pools, objectives } = resourcesOf(`${poolYaml("shared")}${objective("shared", "shared")}`);
    expect([pools.length, objectives.length]).toEqual([1, 1]);
  });

  it("refuses a poolRef to a pool that is not defined in the same namespace", () => {
    expect(
      errorsOf(`${poolYaml("pool-a")}${objective("o", "pool-x")}${objective("p", "pool-a", "team-b")}`),
    ).toEqual([
      'test.yaml#1 spec.poolRef.name: "pool-x" — must name an InferencePool defined in namespace "default" of this config (InferenceObjective o; defined: pool-a)',
      'test.yaml#2 spec.poolRef.name: "pool-a" — must name an InferencePool defined in namespace "team-b" of this config (InferenceObjective p; defined: none)',
    ]);
  });

  it("does not add a dangling-ref error for a pool that is defined but invalid", () => {
    const badPool = poolYaml("pool-a").replace("number: 8000", "number: 0");
    expect(errorsOf(`${badPool}${objective("o", "pool-a")}`)).toEqual([
      "test.yaml#0 spec.targetPorts[0].number: 0 — must be between 1 and 65535",
    ]);
  });

  it("collects issues from every file and document instead of stopping at the first", () => {
    const result = parseManifests([
      { path: "one.yaml", text: poolYaml("pool-a").replace("number: 8000", "number: 0") },
      { path: "two.yaml", text: `kind: Nope\n${objective("o", "missing")}` },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.split(" ")[0])).toEqual(["one.yaml#0", "two.yaml#0", "two.yaml#1"]);
    expect(result.issues[0]).toMatchObject({
      file: "one.yaml",
      doc: 0,
      field: "spec.targetPorts[0].number",
      value: "0",
    });
  });
});
