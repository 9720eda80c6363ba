import { describe, expect, it } from "vitest";
import { errorsOf, poolYaml, resourcesOf } from "./parse-helpers.js";

const model = (spec: string, name = "chat") => `---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModel
metadata: { name: ${name} }
spec:
  poolRef: { name: pool-a }
${spec}`;

describe("InferenceModel", () => {
  it("parses a model with a weighted split and maps Critical to priority 2", () => {
    const [m] = resourcesOf(
      poolYaml() +
        model(`  modelName: demo-model
  criticality: Critical
  targetModels:
    - { name: demo-model-v1, weight: 90 }
    - { name: demo-model-v2, weight: 10 }
`),
    ).models;
    expect(m).toEqual({
      name: "chat",
      namespace: "default",
      modelName: "demo-model",
      criticality: "Critical",
      priority: 2,
      poolName: "pool-a",
      targetModels: [
        { name: "demo-model-v1", weight: 90 },
        { name: "demo-model-v2", weight: 10 },
      ],
      source: { file: "test.yaml", doc: 1 },
    });
  });

  it("gives equal weight 1 to targets when no weight is set, and maps criticality to priority", () => {
    const { models } = resourcesOf(
      poolYaml() +
        model("  modelName: a\n  targetModels: [{ name: a-1 }, { name: a-2 }]\n", "a") +
        model("  modelName: b\n  criticality: Sheddable\n", "b") +
        model("  modelName: c\n  criticality: Standard\n", "c"),
    );
    expect(models[0]?.targetModels).toEqual([
      { name: "a-1", weight: 1 },
      { name: "a-2", weight: 1 },
    ]);
    expect(models.map((m) => [m.modelName, m.criticality, m.priority])).toEqual([
      ["a", undefined, 0],
      ["b", "Sheddable", -1],
      ["c", "Standard", 0],
    ]);
    expect(models[1]?.targetModels).toEqual([]);
  });

  it("refuses weights set on some targetModels but not all", () => {
    const errors = errorsOf(
      poolYaml() + model("  modelName: a\n  targetModels: [{ name: a-1, weight: 5 }, { name: a-2 }]\n"),
    );
    expect(errors).toEqual([
      "test.yaml#1 spec.targetModels[1].weight: (missing) — weights must be set on all targetModels or on none",
    ]);
  });

  it("refuses weights outside 1..1,000,000 and more than 10 targetModels", () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `{ name: t${i} }`).join(", ");
    expect(
      errorsOf(poolYaml() + model("  modelName: a\n  targetModels: [{ name: a-1, weight: 0 }]\n")),
    ).toEqual(["test.yaml#1 spec.targetModels[0].weight: 0 — must be between 1 and 1000000"]);
    expect(
      errorsOf(poolYaml() + model("  modelName: a\n  targetModels: [{ name: a-1, weight: 1000001 }]\n")),
    ).toEqual(["test.yaml#1 spec.targetModels[0].weight: 1000001 — must be between 1 and 1000000"]);
    const [tooMany] = errorsOf(poolYaml() + model(`  modelName: a\n  targetModels: [${eleven}]\n`));
    expect(tooMany).toMatch(/^test\.yaml#1 spec\.targetModels: \[.*— must have at most 10 entries$/);
  });

  it("refuses a missing or over-long modelName and an unknown criticality", () => {
    expect(errorsOf(poolYaml() + model("  criticality: Urgent\n"))).toEqual([
      "test.yaml#1 spec.modelName: (missing) — is required",
      'test.yaml#1 spec.criticality: "Urgent" — must be one of "Critical", "Standard", "Sheddable"',
    ]);
    const [long] = errorsOf(poolYaml() + model(`  modelName: ${"m".repeat(257)}\n`));
    expect(long).toMatch(/^test\.yaml#1 spec\.modelName: "m{78}… — must be at most 256 characters long$/);
  });

  it("refuses duplicate target names", () => {
    expect(
      errorsOf(poolYaml() + model("  modelName: a\n  targetModels: [{ name: x }, { name: x }]\n")),
    ).toEqual(['test.yaml#1 spec.targetModels[1].name: "x" — must be unique (also at targetModels[0])']);
  });

  it("refuses two models with the same modelName in one pool", () => {
    const errors = errorsOf(
      poolYaml() + model("  modelName: same\n", "one") + model("  modelName: same\n", "two"),
    );
    expect(errors).toEqual([
      'test.yaml#2 spec.modelName: "same" — must be unique within pool pool-a (also at test.yaml#1)',
    ]);
  });
});
