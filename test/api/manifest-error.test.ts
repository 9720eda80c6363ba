import { describe, expect, it } from "vitest";
import { ManifestError, resourcesOrThrow } from "../../src/api/manifest-error.js";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { poolYaml } from "./parse-helpers.js";

describe("ManifestError", () => {
  it("is thrown with every issue when a parse failed", () => {
    const result = parseManifests([{ path: "p.yaml", text: "kind: A\n---\nkind: B\n" }]);
    let caught: unknown;
    try {
      resourcesOrThrow(result);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ManifestError);
    const error = caught as ManifestError;
    expect(error.issues.map((i) => [i.doc, i.field])).toEqual([
      [0, "kind"],
      [1, "kind"],
    ]);
    expect(error.message).toMatch(/^2 problems in the config:\np\.yaml#0 kind: "A" — unknown kind/);
  });

  it("gives back the resources when the parse succeeded", () => {
    const resources = resourcesOrThrow(parseManifests([{ path: "p.yaml", text: poolYaml() }]));
    expect(resources.pools[0]?.name).toBe("pool-a");
  });
});
