import { describe, expect, it } from "vitest";
import { errorsOf, poolYaml, resourcesOf } from "./parse-helpers.js";

const rewrite = (rules: string) => `---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModelRewrite
metadata: { name: canary }
spec:
  poolRef: { group: inference.networking.k8s.io, name: pool-a }
  rules:
${rules}`;

describe("InferenceModelRewrite", () => {
  it("parses exact matches with a weighted split and a catch-all rule with equal weights", () => {
    const [r] = resourcesOf(
      poolYaml() +
        rewrite(`    - matches: [{ model: { type: Exact, value: demo-model } }]
      targets:
        - { modelRewrite: demo-model-v1, weight: 90 }
        - { modelRewrite: demo-model-v2, weight: 10 }
    - targets: [{ modelRewrite: fallback-a }, { modelRewrite: fallback-b }]
`),
    ).rewrites;
    expect(r).toEqual({
      name: "canary",
      namespace: "default",
      poolName: "pool-a",
      rules: [
        {
          matches: ["demo-model"],
          targets: [
            { model: "demo-model-v1", weight: 90 },
            { model: "demo-model-v2", weight: 10 },
          ],
        },
        {
          matches: [],
          targets: [
            { model: "fallback-a", weight: 1 },
            { model: "fallback-b", weight: 1 },
          ],
        },
      ],
      source: { file: "test.yaml", doc: 1 },
    });
  });

  it("defaults the match type to Exact and refuses other match types", () => {
    const [r] = resourcesOf(
      poolYaml() +
        rewrite("    - matches: [{ model: { value: a } }]\n      targets: [{ modelRewrite: b }]\n"),
    ).rewrites;
    expect(r?.rules[0]?.matches).toEqual(["a"]);
    expect(
      errorsOf(
        poolYaml() +
          rewrite(
            "    - matches: [{ model: { type: Prefix, value: a } }]\n      targets: [{ modelRewrite: b }]\n",
          ),
      ),
    ).toEqual(['test.yaml#1 spec.rules[0].matches[0].model.type: "Prefix" — must be "Exact"']);
  });

  it("refuses weights on some targets only, and a rule without targets", () => {
    expect(
      errorsOf(
        poolYaml() + rewrite("    - targets: [{ modelRewrite: a }, { modelRewrite: b, weight: 3 }]\n"),
      ),
    ).toEqual([
      "test.yaml#1 spec.rules[0].targets[0].weight: (missing) — weights must be set on all targets or on none",
    ]);
    expect(errorsOf(poolYaml() + rewrite("    - matches: [{ model: { value: a } }]\n"))).toEqual([
      "test.yaml#1 spec.rules[0].targets: (missing) — is required",
    ]);
  });

  it("refuses a model matched by two rules and a second catch-all", () => {
    const errors = errorsOf(
      poolYaml() +
        rewrite(`    - matches: [{ model: { value: a } }]
      targets: [{ modelRewrite: a1 }]
    - matches: [{ model: { value: a } }]
      targets: [{ modelRewrite: a2 }]
    - targets: [{ modelRewrite: x }]
    - targets: [{ modelRewrite: y }]
`),
    );
    expect(errors).toEqual([
      'test.yaml#1 spec.rules[1].matches[0].model.value: "a" — is already matched by rules[0]',
      "test.yaml#1 spec.rules[3].matches: (missing) — duplicates the catch-all rules[2]",
    ]);
  });
});
