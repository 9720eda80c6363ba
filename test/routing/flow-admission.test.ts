import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";
import { createManualClock } from "../../src/core/clock.js";
import type { RouterError } from "../../src/core/errors.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createManualTimers } from "../../src/push/timers.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import type { PendingDecision, RouteDecision } from "../../src/routing/types.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const encoder = new TextEncoder();
const docs = (gate: string) => `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: pool-a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: batch}
spec: {priority: -1, poolRef: {name: pool-a}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates: [${gate}]
plugins: [{type: queue-scorer}]
schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer}]}]
flowControl: {defaultRequestTTL: 10s}
`;

function load(text: string): RouterResources {
  const parsed = parseManifests([{ path: "test.yaml", text }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.resources;
}

/** The same, with a critical objective and `enableEviction: true`. */
const evictionDocs = () =>
  `${docs("flowControl").replace("flowControl: {defaultRequestTTL: 10s}", "flowControl: {defaultRequestTTL: 10s, enableEviction: true}")}---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: critical}
spec: {priority: 2, poolRef: {name: pool-a}}
`;

function setup(gate = "flowControl", text = docs(gate)) {
  const clock = createManualClock(1_000_000);
  const timers = createManualTimers(clock);
  const core = createRouterCore(load(text), { clock, timers, random: createSeededRandom(5) });
  let seq = 0;
  const push = (waiting: number) =>
    core.store.push(
      snapshot(++seq, [endpoint("10.0.0.1:8000", { waitingRequests: waiting, kvCacheUsage: 0.1 })], {
        observedAt: clock.now(),
      }),
    );
  const input = (id: string, headers: Record<string, string> = {}) => ({
    requestId: id,
    headers: { get: (n: string) => headers[n.toLowerCase()] ?? null },
    body: encoder.encode(JSON.stringify({ model: "m", messages: [{ role: "user", content: id }] })),
  });
  return { core, clock, timers, push, input };
}

describe("flow control in the router core", () => {
  it("gate off: today's admission (a sheddable request on a saturated pool is refused at once)", () => {
    const t = setup("flowControl=false");
    t.push(50);
    expect(t.core.flowControl.controller).toBeUndefined();
    expect(() => t.core.admit(t.input("r", { "x-gateway-inference-objective": "batch" }))).toThrow(
      /system saturated/,
    );
  });

  it("holds a request while saturated; a push with room dispatches it with a fresh pick", async () => {
    const t = setup();
    t.push(50);
    const p = t.core.admit(t.input("r1")) as PendingDecision;
    expect(p).toBeInstanceOf(Promise);
    expect(t.core.flowControl.controller?.queued).toBe(1);
    t.push(0);
    const d = await p;
    expect(d.endpoints[0]?.address).toBe("10.0.0.1:8000");
    expect(t.core.flowControl.controller?.queued).toBe(0);
  });

  it("a finished request (lease released) lets the next one go without waiting for a push", async () => {
    const t = setup();
    t.push(4); // one more request fills the endpoint (4 + 1 sent since the push = 5)
    t.clock.advance(1);
    const first = t.core.admit(t.input("r1")) as RouteDecision;
    expect(first.lease).toBeDefined();
    const second = t.core.admit(t.input("r2")) as PendingDecision;
    expect(second).toBeInstanceOf(Promise);
    first.lease?.release();
    expect((await second).requestId).toBe("r2");
  });

  it("a lease a forwarder takes outside a pick (failover) also lets the next one go when released", async () => {
    const t = setup();
    t.push(4);
    t.clock.advance(1);
    // The failover's request fills the endpoint (4 + 1 sent since the push = 5).
    const failover = t.core.acquire("pool-a", "10.0.0.1:8000", 100);
    expect(failover).toBeDefined();
    const waiting = t.core.admit(t.input("r1")) as PendingDecision;
    expect(waiting).toBeInstanceOf(Promise);
    let settled = false;
    void waiting.then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(settled).toBe(false);
    // No push: only the release can wake the queue.
    failover?.release();
    expect((await waiting).requestId).toBe("r1");
  });

  it("explain shows the band, the flow and the queue position", () => {
    const t = setup();
    t.push(50);
    (t.core.admit(t.input("r1")) as PendingDecision).catch(() => {});
    const e = t.core.explain(t.input("x", { "x-llm-d-inference-fairness-id": "tenant-b" }));
    expect(e.flowControl).toEqual({
      pool: "pool-a",
      priority: 0,
      flowId: "tenant-b",
      queued: true,
      position: 1,
      poolQueued: 1,
    });
  });

  it("a reload that turns the gate off sends what waits through the legacy admission; dispose refuses with 503", async () => {
    const t = setup();
    t.push(50);
    const waiting = t.core.admit(t.input("r1")) as PendingDecision;
    t.core.reload(load(docs("flowControl=false")));
    expect((await waiting).requestId).toBe("r1");
    t.core.reload(load(docs("flowControl")));
    const later = t.core.admit(t.input("r2")) as PendingDecision;
    t.core.dispose();
    const err = (await later.catch((e: unknown) => e)) as RouterError;
    expect(err.httpStatus).toBe(503);
    expect(err.headers).toEqual({ "x-llm-d-request-dropped-reason": "rejected-shutting-down" });
  });

  it("a TTL that runs out answers 429 rejected-ttl-expired and counts it in the metrics", async () => {
    const t = setup();
    t.push(50);
    const p = t.core.admit(t.input("r1", { "x-gateway-inference-fairness-id": "t1" })) as PendingDecision;
    t.timers.advance(10_000);
    const err = (await p.catch((e: unknown) => e)) as RouterError;
    expect(err.httpStatus).toBe(429);
    const text = t.core.metrics.expose();
    expect(text).toMatch(
      /llm_d_epp_flow_control_requests_total\{fairness_id="t1",priority="0",outcome="EvictedTTL"/,
    );
    expect(text).toMatch(/inference_extension_flow_control_queue_size\{fairness_id="t1".*\} 0/);
    expect(text).toMatch(/llm_d_epp_flow_control_pool_saturation\{inference_pool="pool-a"\} 1/);
    expect(text).toMatch(
      /llm_d_epp_flow_control_request_queue_duration_seconds_sum\{.*outcome="EvictedTTL".*\} 10/,
    );
  });

  describe("in-flight eviction (enableEviction)", () => {
    const BATCH = { "x-gateway-inference-objective": "batch" };
    const CRITICAL = { "x-gateway-inference-objective": "critical" };
    const inFlight = (t: ReturnType<typeof setup>) => t.core.store.endpoints("pool-a")![0]!.inFlight.requests;

    it("a blocked critical request evicts the sheddable one in flight: its signal aborts with 429 evicted, its lease goes back", async () => {
      const t = setup("flowControl", evictionDocs());
      t.push(0);
      const batch = t.core.admit(t.input("b1", BATCH)) as RouteDecision;
      expect(batch.evicted?.aborted).toBe(false);
      t.clock.advance(1);
      t.push(5); // full, the batch request included
      const critical = t.core.admit(t.input("c1", CRITICAL)) as RouteDecision | PendingDecision;
      const err = batch.evicted?.reason as RouterError;
      expect(err.httpStatus).toBe(429);
      expect(err.message).toBe("request evicted by flow control");
      expect(err.headers).toEqual({ "x-llm-d-request-dropped-reason": "evicted" });
      // Nobody listened to the signal: the room came back all the same, and went to the critical one.
      expect((await critical).requestId).toBe("c1");
      expect(inFlight(t)).toBe(1);
      batch.lease?.release(); // the front end settling later changes nothing
      expect(inFlight(t)).toBe(1);
      expect(t.core.metrics.expose()).toMatch(
        /llm_d_epp_flow_control_requests_total\{fairness_id="default-flow",priority="-1",outcome="Evicted".*\} 1/,
      );
    });

    it("a finished sheddable request is not evicted; a request of priority >= 0 never is", () => {
      const t = setup("flowControl", evictionDocs());
      t.push(0);
      const batch = t.core.admit(t.input("b1", BATCH)) as RouteDecision;
      const normal = t.core.admit(t.input("n1")) as RouteDecision;
      expect(normal.evicted).toBeUndefined();
      batch.lease?.release();
      t.clock.advance(1);
      t.push(5);
      const critical = t.core.admit(t.input("c1", CRITICAL)) as PendingDecision;
      expect(critical).toBeInstanceOf(Promise);
      expect(batch.evicted?.aborted).toBe(false);
      expect(t.core.flowControl.controller?.queued).toBe(1);
      critical.catch(() => {});
      t.core.dispose();
    });
  });
});
