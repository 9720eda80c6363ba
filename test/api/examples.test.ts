// The shipped example configs must always load: they are what the README and `serve --config` point at.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";

function loadDir(dir: string): RouterResources {
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), "utf8") }));
  const result = parseManifests(files);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.resources;
}

describe("runtimes/node/examples/", () => {
  it("demo parses cleanly with the pool, objectives, rewrite, scheduler and router config it documents", () => {
    const r = loadDir("runtimes/node/examples/demo");
    expect(r.pools).toHaveLength(1);
    expect(r.pools[0]).toMatchObject({
      name: "demo-pool",
      selector: { app: "vllm-demo" },
      targetPorts: [8001, 8002, 8003, 8004],
      endpointPicker: { name: "demo-epp", port: 9002 },
      failureMode: "FailClose",
    });
    expect(r.objectives.map((o) => [o.name, o.priority])).toEqual([
      ["premium", 10],
      ["batch", -1],
    ]);
    expect(r.rewrites[0]?.rules[0]?.targets).toEqual([
      { model: "demo-model-v1", weight: 90 },
      { model: "demo-model-v2", weight: 10 },
    ]);
    expect(r.router.scheduler).toEqual({ configRef: "demo-scheduler", profile: "default" });
  });

  it("demo's RouterConfig writes out exactly the defaults, apart from the scheduler choice", async () => {
    const { defaultRouterConfig } = await import("../../src/api/router-config.js");
    const r = loadDir("runtimes/node/examples/demo");
    expect({ ...r.router, scheduler: {} }).toEqual(defaultRouterConfig());
  });

  it("minimal holds one pool named pool-a on port 8000", () => {
    const r = loadDir("runtimes/node/examples/minimal");
    expect(r.pools.map((p) => [p.name, p.targetPorts])).toEqual([["pool-a", [8000]]]);
  });
});
