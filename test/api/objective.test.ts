import { describe, expect, it } from "vitest";
import { errorsOf, poolYaml, resourcesOf } from "./parse-helpers.js";

const objective = (name: string, spec: string) => `---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: { name: ${name} }
spec:
${spec}`;

describe("InferenceObjective", () => {
  it("parses objectives, treating an unset priority as 0 and keeping negative ones", () => {
    const { objectives } = resourcesOf(
      poolYaml() +
        objective("premium", "  priority: 10\n  poolRef: { name: pool-a }\n") +
        objective(
          "normal",
          "  poolRef: { group: inference.networking.k8s.io, kind: InferencePool, name: pool-a }\n",
        ) +
        objective("batch", "  priority: -1\n  poolRef: { name: pool-a }\n"),
    );
    expect(objectives.map((o) => [o.name, o.priority, o.poolName, o.namespace, o.source.doc])).toEqual([
      ["premium", 10, "pool-a", "default", 1],
      ["normal", 0, "pool-a", "default", 2],
      ["batch", -1, "pool-a", "default", 3],
    ]);
  });

  it("refuses a fractional priority and a poolRef to something other than an InferencePool", () => {
    const errors = errorsOf(
      poolYaml() + objective("premium", "  priority: 1.5\n  poolRef: { kind: Service, name: pool-a }\n"),
    );
    expect(errors).toEqual([
      "test.yaml#1 spec.priority: 1.5 — must be an integer",
      'test.yaml#1 spec.poolRef.kind: "Service" — must be "InferencePool"',
    ]);
  });

  it("refuses an objective without a poolRef", () => {
    expect(errorsOf(poolYaml() + objective("premium", "  priority: 1\n"))).toEqual([
      "test.yaml#1 spec.poolRef: (missing) — is required",
    ]);
  });
});
