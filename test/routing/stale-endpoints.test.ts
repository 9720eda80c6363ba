/**
 * When every producer goes quiet, RouterConfig `spec.state.staleEndpoints` decides: "saturated" (the
 * default) keeps serving from the stale endpoints, counted as saturated, and "exclude" answers 503.
 */
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { headerViewFromMap } from "../../src/request/headers.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import type { StaleEndpointChange } from "../../src/scheduling/scheduler.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const docs = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: batch}
spec: {priority: -1, poolRef: {name: pool-a}}
`;
const policy = (p: string) =>
  `---\napiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec: {state: {staleEndpoints: ${p}}}\n`;

function setup(extra = "") {
  const parsed = parseManifests([{ path: "test.yaml", text: docs + extra }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const clock = createManualClock(1_000_000);
  const changes: StaleEndpointChange[] = [];
  const core = createRouterCore(parsed.resources, {
    clock,
    random: createSeededRandom(5),
    onStaleEndpoints: (c) => changes.push(c),
  });
  const push = (sequence: number) =>
    core.store.push(
      snapshot(sequence, [endpoint("10.0.0.1:8000"), endpoint("10.0.0.2:8000")], { observedAt: clock.now() }),
    );
  push(1);
  // Every producer goes quiet: past the 2 s staleness limit, before the 60 s expiry.
  clock.advance(5_000);
  const route = (headers: Record<string, string> = {}) => {
    const d = core.route({
      requestId: "r",
      headers: headerViewFromMap(headers),
      body: new TextEncoder().encode(JSON.stringify({ model: "llama", prompt: "hi" })),
      kind: "completions",
      pool: "pool-a",
    });
    d.lease?.release();
    return d;
  };
  const stalePicks = () =>
    core.metrics
      .expose()
      .match(/^inference_extension_stale_endpoint_picks_total\{pool="pool-a"\} (\d+)$/m)?.[1];
  return { core, clock, push, route, changes, stalePicks };
}

describe("stale endpoints when every producer is quiet", () => {
  it("are picked by default, counted as saturated, with a counter and one change report per episode", () => {
    const t = setup();
    for (let i = 0; i < 5; i++) expect(t.route().endpoints.length).toBeGreaterThan(0);
    expect(t.stalePicks()).toBe("5");
    expect(t.changes).toEqual([{ pool: "pool-a", stale: true, endpoints: 2 }]);
    // A sheddable request is still shed: stale counts as saturated.
    expect(() => t.route({ "x-gateway-inference-objective": "batch" })).toThrow(
      expect.objectContaining({ code: "ResourceExhausted" }),
    );
    t.push(2);
    t.route();
    t.route();
    expect(t.stalePicks()).toBe("5");
    expect(t.changes).toEqual([
      { pool: "pool-a", stale: true, endpoints: 2 },
      { pool: "pool-a", stale: false, endpoints: 0 },
    ]);
  });

  it("are picked under an explicit saturated policy too", () => {
    expect(setup(policy("saturated")).route().endpoints.length).toBeGreaterThan(0);
  });

  it("make every request fail with ServiceUnavailable under the exclude policy, counting no stale pick", () => {
    const t = setup(policy("exclude"));
    expect(() => t.route()).toThrow(expect.objectContaining({ code: "ServiceUnavailable" }));
    expect(t.stalePicks()).toBeUndefined();
    expect(t.changes).toEqual([]);
  });
});
