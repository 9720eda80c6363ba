import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";
import { createManualClock } from "../../src/core/clock.js";
import type { RouterError } from "../../src/core/errors.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const encoder = new TextEncoder();
const noHeaders = { get: () => null };
const pool = (name: string) => `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: ${name}}
spec: {selector: {matchLabels: {app: ${name}}}, targetPorts: [{number: 8000}]}
`;
const picker = (name: string, maxNumOfEndpoints: number, plugin = "max-score-picker") => `
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
metadata: {name: ${name}}
plugins:
  - type: queue-scorer
  - type: ${plugin}
    parameters: {maxNumOfEndpoints: ${maxNumOfEndpoints}}
schedulingProfiles:
  - name: default
    plugins: [{pluginRef: queue-scorer, weight: 1}, {pluginRef: ${plugin}}]
`;
const routerConfig = (ref: string) => `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {scheduler: {configRef: ${ref}}}
`;

function load(...docs: string[]): RouterResources {
  const parsed = parseManifests([{ path: "test.yaml", text: docs.join("---\n") }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.resources;
}

function setup(resources = load(pool("pool-a"), pool("pool-b"))) {
  const clock = createManualClock(1_000_000);
  const core = createRouterCore(resources, { clock, random: createSeededRandom(5) });
  core.store.push(
    snapshot(
      1,
      [1, 2, 3, 4].map((i) => endpoint(`10.0.0.${i}:8000`, { waitingRequests: i })),
      { observedAt: clock.now() },
    ),
  );
  if (resources.pools.some((p) => p.name === "pool-b"))
    core.store.push(snapshot(1, [endpoint("10.0.1.1:8000")], { pool: "pool-b", observedAt: clock.now() }));
  return { core, clock };
}

const chat = (model = "llama") =>
  encoder.encode(JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }));
const input = (over: object = {}) => ({
  requestId: "r1",
  headers: noHeaders,
  body: chat(),
  kind: "chat" as const,
  pool: "pool-a",
  ...over,
});

describe("createRouterCore", () => {
  it("returns primary + 2 ordered fallbacks with the built-in scheduler config", () => {
    const { core } = setup();
    const d = core.route(input());
    expect(d.endpoints.map((e) => e.address)).toEqual(["10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"]);
    d.lease?.release();
  });

  it("cuts the endpoints to what the call asks for, keeping the primary and its lease", () => {
    const { core } = setup();
    const d = core.route(input({ maxEndpoints: 1 }));
    expect(d.endpoints.map((e) => e.address)).toEqual(["10.0.0.1:8000"]);
    expect(d.lease?.address).toBe("10.0.0.1:8000");
    expect(
      core.store.endpoints("pool-a")!.find((e) => e.address === "10.0.0.1:8000")!.inFlight.requests,
    ).toBe(1);
    d.lease?.release();
  });

  it("never returns more endpoints than the picker's maxNumOfEndpoints, whatever the call asks", () => {
    const { core } = setup(load(pool("pool-a"), pool("pool-b"), picker("two", 2), routerConfig("two")));
    expect(core.route(input({ maxEndpoints: 10 })).endpoints).toHaveLength(2);
  });

  it("finds an endpoint for a request without a body in any pool when no pool is named", () => {
    const { core } = setup();
    expect(core.anyEndpoint(undefined, ["10.0.1.1"])).toBe("10.0.1.1:8000");
    expect(core.anyEndpoint("pool-a", ["10.0.1.1"])).toBeUndefined();
    expect(core.anyEndpoint("pool-b", undefined)).toBe("10.0.1.1:8000");
  });

  it("prefers fresh endpoints for a request without a body", () => {
    const { core, clock } = setup();
    clock.advance(60_000 - 1);
    core.store.push(snapshot(2, [endpoint("10.0.1.9:8000")], { pool: "pool-b", observedAt: clock.now() }));
    for (let i = 0; i < 20; i++) expect(core.anyEndpoint(undefined, undefined)).toBe("10.0.1.9:8000");
  });

  it("swaps the scheduler on a reload that changes the picker config, and tells listeners", () => {
    const { core } = setup();
    const seen: string[] = [];
    core.onReload((r) => seen.push(r.router.scheduler.configRef ?? "(none)"));
    const before = core.scheduler;
    core.reload(load(pool("pool-a"), pool("pool-b"), picker("one", 1), routerConfig("one")));
    expect(core.scheduler).not.toBe(before);
    expect(core.route(input()).endpoints).toHaveLength(1);
    expect(seen).toEqual(["one"]);
  });

  it("keeps the running scheduler, settings and listeners untouched when a reload is refused", () => {
    const { core } = setup();
    let told = 0;
    core.onReload(() => told++);
    const before = core.scheduler;
    const resources = core.resources;
    const bad = load(pool("pool-a"), picker("bad", 1, "no-such-picker"), routerConfig("bad"));
    expect(() => core.reload(bad)).toThrow(/no-such-picker/);
    expect(core.scheduler).toBe(before);
    expect(core.resources).toBe(resources);
    expect(core.store.pool("pool-b")).toBeDefined();
    expect(told).toBe(0);
    expect(core.route(input()).endpoints).toHaveLength(3);
  });

  it("applies pools and limits from a reload in place", () => {
    const { core } = setup();
    const limits = core.limits;
    const next = load(
      pool("pool-a"),
      `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {limits: {maxBodyBytes: 1000, maxEndpointsPerSnapshot: 7}}
`,
    );
    expect(core.reload(next).startOnly).toEqual([]);
    expect(core.limits).toBe(limits);
    expect(limits).toMatchObject({ maxBodyBytes: 1000, maxEndpoints: 7 });
    expect(core.store.pool("pool-b")).toBeUndefined();
    expect(() => core.route(input({ pool: "pool-b" }))).toThrow(
      expect.objectContaining({ code: "NotFound" }) as RouterError,
    );
  });

  it("sheds a sheddable request on a saturated pool at every door alike", () => {
    const objective = `apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: batch}
spec: {priority: -1, poolRef: {name: pool-a}}
`;
    const { core, clock } = setup(load(pool("pool-a"), objective));
    core.store.push(
      snapshot(
        2,
        [1, 2, 3].map((i) =>
          endpoint(`10.0.0.${i}:8000`, { waitingRequests: 50, kvCacheUsage: 0.96 + i / 100 }),
        ),
        { observedAt: clock.now() },
      ),
    );
    const headers = { get: (n: string) => (n === "x-gateway-inference-objective" ? "batch" : null) };
    expect(() => core.route(input({ headers }))).toThrow(
      expect.objectContaining({ code: "ResourceExhausted" }) as RouterError,
    );
    expect(core.explain(input({ headers })).explanation.error?.code).toBe("ResourceExhausted");
    expect(core.route(input()).endpoints.length).toBeGreaterThan(0);
  });

  it("names the changed settings that wait for the next start, against what the process started with", () => {
    const { core } = setup(load(pool("pool-a")));
    const withPorts = (port: number) =>
      load(
        pool("pool-a"),
        `apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {listen: {httpPort: ${port}}, limits: {maxMessageBytes: 1048576}}
`,
      );
    expect(core.reload(withPorts(8081)).startOnly).toEqual([
      "RouterConfig spec.listen",
      "RouterConfig spec.limits.maxMessageBytes",
    ]);
    expect(core.reload(withPorts(8082)).startOnly).toEqual([
      "RouterConfig spec.listen",
      "RouterConfig spec.limits.maxMessageBytes",
    ]);
    expect(core.reload(load(pool("pool-a"))).startOnly).toEqual([]);
  });
});
