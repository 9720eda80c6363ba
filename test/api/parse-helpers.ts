// Shared helpers for the manifest tests: parse YAML text as one file and get resources or error lines.
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";

/** Parses `text` as the file `path`; throws (failing the test) when it does not parse. */
export function resourcesOf(text: string, path = "test.yaml"): RouterResources {
  const result = parseManifests([{ path, text }]);
  if (!result.ok) throw new Error(`expected the manifests to parse, got:\n${result.errors.join("\n")}`);
  return result.resources;
}

/** Parses the files and returns the error lines; throws (failing the test) when they parse. */
export function errorsOf(text: string | { path: string; text: string }[], path = "test.yaml"): string[] {
  const files = typeof text === "string" ? [{ path, text }] : text;
  const result = parseManifests(files);
  if (result.ok) throw new Error("expected the manifests to be refused, but they parsed");
  return result.errors;
}

/** A valid v1 pool named `name`, to satisfy poolRefs in other tests. */
export function poolYaml(name = "pool-a", namespace = "default"): string {
  return `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  selector: { matchLabels: { app: ${name} } }
  targetPorts: [{ number: 8000 }]
`;
}
