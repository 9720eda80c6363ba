import { describe, expect, it } from "vitest";
import { errorsOf, resourcesOf } from "./parse-helpers.js";

const v1 = (spec: string) => `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: pool-a
spec:
${spec}`;

const goodSpec = `  selector:
    matchLabels: { app: vllm, "app.kubernetes.io/part-of": demo }
  targetPorts: [{ number: 8000 }, { number: 8001 }]
  appProtocol: kubernetes.io/h2c
  endpointPickerRef:
    name: pool-a-epp
    port: { number: 9002 }
    failureMode: FailOpen
`;

describe("InferencePool", () => {
  it("parses a v1 pool and normalizes it", () => {
    const { pools } = resourcesOf(v1(goodSpec));
    expect(pools).toEqual([
      {
        name: "pool-a",
        namespace: "default",
        selector: { app: "vllm", "app.kubernetes.io/part-of": "demo" },
        targetPorts: [8000, 8001],
        appProtocol: "kubernetes.io/h2c",
        endpointPicker: { group: "", kind: "Service", name: "pool-a-epp", port: 9002 },
        failureMode: "FailOpen",
        apiVersion: "inference.networking.k8s.io/v1",
        source: { file: "test.yaml", doc: 0 },
      },
    ]);
  });

  it("defaults failureMode to FailClose and leaves the picker out when none is named", () => {
    const [pool] = resourcesOf(
      v1("  selector: { matchLabels: { app: a } }\n  targetPorts: [{ number: 1 }]\n"),
    ).pools;
    expect(pool?.failureMode).toBe("FailClose");
    expect(pool?.endpointPicker).toBeUndefined();
    expect(pool?.appProtocol).toBeUndefined();
  });

  it("normalizes a v1alpha2 pool exactly like the equivalent v1 pool", () => {
    const old = resourcesOf(`apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: { name: pool-a, namespace: team-a, labels: { x: y } }
spec:
  selector: { app: vllm }
  targetPortNumber: 8000
  extensionRef: { name: pool-a-epp, portNumber: 9002, failureMode: FailOpen }
`).pools[0];
    const ga = resourcesOf(`apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: { name: pool-a, namespace: team-a }
spec:
  selector: { matchLabels: { app: vllm } }
  targetPorts: [{ number: 8000 }]
  endpointPickerRef: { name: pool-a-epp, port: { number: 9002 }, failureMode: FailOpen }
`).pools[0];
    expect({ ...old, apiVersion: undefined }).toEqual({ ...ga, apiVersion: undefined });
    expect(old?.targetPorts).toEqual([8000]);
  });

  it("refuses a port out of range, naming file, document, field, value and rule", () => {
    const errors = errorsOf(
      v1("  selector: { matchLabels: { app: a } }\n  targetPorts: [{ number: 8000 }, { number: 70000 }]\n"),
      "runtimes/node/examples/demo/pool.yaml",
    );
    expect(errors).toEqual([
      "runtimes/node/examples/demo/pool.yaml#0 spec.targetPorts[1].number: 70000 — must be between 1 and 65535",
    ]);
  });

  it("refuses duplicate target ports", () => {
    const errors = errorsOf(
      v1("  selector: { matchLabels: { app: a } }\n  targetPorts: [{ number: 8000 }, { number: 8000 }]\n"),
    );
    expect(errors).toEqual([
      "test.yaml#0 spec.targetPorts[1].number: 8000 — must be unique (also at targetPorts[0])",
    ]);
  });

  it("refuses more than 8 target ports and an empty list", () => {
    const nine = Array.from({ length: 9 }, (_, i) => `{ number: ${8000 + i} }`).join(", ");
    const [tooMany] = errorsOf(v1(`  selector: { matchLabels: { app: a } }\n  targetPorts: [${nine}]\n`));
    expect(tooMany).toMatch(
      /^test\.yaml#0 spec\.targetPorts: \[\{"number":8000\}.*— must have at most 8 entries$/,
    );
    const [none] = errorsOf(v1("  selector: { matchLabels: { app: a } }\n  targetPorts: []\n"));
    expect(none).toBe("test.yaml#0 spec.targetPorts: [] — must not be empty");
  });

  it("refuses a non-integer port, an unknown appProtocol and an unknown failureMode", () => {
    const errors = errorsOf(
      v1(`  selector: { matchLabels: { app: a } }
  targetPorts: [{ number: "8000" }]
  appProtocol: grpc
  endpointPickerRef: { name: epp, failureMode: FailSometimes }
`),
    );
    expect(errors).toEqual([
      'test.yaml#0 spec.targetPorts[0].number: "8000" — must be an integer',
      'test.yaml#0 spec.appProtocol: "grpc" — must be one of "http", "kubernetes.io/h2c"',
      'test.yaml#0 spec.endpointPickerRef.failureMode: "FailSometimes" — must be one of "FailOpen", "FailClose"',
    ]);
  });

  it("refuses a missing selector, an empty one and a misspelt spec key", () => {
    expect(errorsOf(v1("  targetPorts: [{ number: 1 }]\n  selectr: { app: a }\n"))).toEqual([
      "test.yaml#0 spec.selector: (missing) — is required",
      'test.yaml#0 spec.selectr: {"app":"a"} — is not a known field (check its spelling)',
    ]);
    expect(errorsOf(v1("  selector: { matchLabels: {} }\n  targetPorts: [{ number: 1 }]\n"))).toEqual([
      "test.yaml#0 spec.selector.matchLabels: {} — must name at least one label",
    ]);
  });

  it("refuses a v1alpha2 pool with a bad targetPortNumber", () => {
    const errors = errorsOf(`apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: { name: old }
spec: { selector: { app: a }, targetPortNumber: 0 }
`);
    expect(errors).toEqual(["test.yaml#0 spec.targetPortNumber: 0 — must be between 1 and 65535"]);
  });

  it("refuses a v1 pool written with v1alpha2 fields, naming each unknown field", () => {
    const errors = errorsOf(v1("  selector: { matchLabels: { app: a } }\n  targetPortNumber: 8000\n"));
    expect(errors).toContain("test.yaml#0 spec.targetPorts: (missing) — is required");
    expect(errors).toContain(
      "test.yaml#0 spec.targetPortNumber: 8000 — is not a known field (check its spelling)",
    );
  });

  it("quotes label keys that are not identifiers in the field path, and wants label values as strings", () => {
    const errors = errorsOf(
      v1('  selector: { matchLabels: { "app.kubernetes.io/version": 1 } }\n  targetPorts: [{ number: 1 }]\n'),
    );
    expect(errors).toEqual([
      'test.yaml#0 spec.selector.matchLabels["app.kubernetes.io/version"]: 1 — must be a string',
    ]);
  });
});
