import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import type { RouterError } from "../../src/core/errors.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createRequestRouter } from "../../src/routing/request-router.js";
import { createScheduler } from "../../src/scheduling/scheduler.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const encoder = new TextEncoder();
const noHeaders = { get: () => null };

function setup(opts: { requireKnownModel?: boolean } = {}) {
  const clock = createManualClock(1_000_000);
  const store = new PoolStore({ clock });
  store.configurePools([
    { name: "pool-a", targetPorts: [8000] },
    { name: "pool-b", targetPorts: [8000] },
  ]);
  const eps = [
    endpoint("10.0.0.1:8000", { waitingRequests: 3, kvCacheUsage: 0.2 }),
    endpoint("10.0.0.2:8000", { kvCacheUsage: 0.1 }),
  ];
  for (const e of eps) e.models = ["llama"];
  store.push(snapshot(1, eps, { observedAt: clock.now() }));
  const b = endpoint("10.0.1.1:8000");
  b.models = ["mistral"];
  store.push(snapshot(1, [b], { pool: "pool-b", observedAt: clock.now() }));
  const random = createSeededRandom(7);
  const scheduler = createScheduler({ store, random });
  const resources = {
    objectives: [{ name: "premium", priority: 5, poolName: "pool-a" }],
    models: [
      { modelName: "chat", priority: 0, poolName: "pool-a", targetModels: [{ name: "llama", weight: 1 }] },
    ],
    rewrites: [],
  };
  const router = createRequestRouter({
    store,
    scheduler,
    resources,
    random,
    requireKnownModel: opts.requireKnownModel ?? true,
  });
  return { store, router, clock };
}

const chat = (model: string) =>
  encoder.encode(JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }));

describe("createRequestRouter", () => {
  it("routes to the least loaded endpoint of the pool that serves the model, and leases it", () => {
    const { store, router } = setup();
    const d = router.route({ requestId: "r1", headers: noHeaders, body: chat("llama"), kind: "chat" });
    expect(d.pool).toBe("pool-a");
    expect(d.endpoints[0]!.address).toBe("10.0.0.2:8000");
    expect(d.bodyChanged).toBe(false);
    expect(store.endpoints("pool-a")!.find((e) => e.address === "10.0.0.2:8000")!.inFlight.requests).toBe(1);
    d.lease!.release();
    expect(store.endpoints("pool-a")!.find((e) => e.address === "10.0.0.2:8000")!.inFlight.requests).toBe(0);
  });

  it("finds the pool from the model an endpoint advertises", () => {
    const { router } = setup();
    const d = router.route({ requestId: "r2", headers: noHeaders, body: chat("mistral"), kind: "chat" });
    expect(d.pool).toBe("pool-b");
    d.lease?.release();
  });

  it("rewrites the body when an InferenceModel maps the client model to a target", () => {
    const { router } = setup();
    const d = router.route({ requestId: "r3", headers: noHeaders, body: chat("chat"), kind: "chat" });
    expect(d.clientModel).toBe("chat");
    expect(d.targetModel).toBe("llama");
    expect(d.bodyChanged).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(d.body)).model).toBe("llama");
    d.lease?.release();
  });

  it("takes the priority from the objective header", () => {
    const { router } = setup();
    const headers = new Headers({ "x-gateway-inference-objective": "premium" });
    const d = router.route({ requestId: "r4", headers, body: chat("llama"), kind: "chat" });
    expect(d.priority).toBe(5);
    expect(d.objective).toBe("premium");
    d.lease?.release();
  });

  it("refuses an unknown model with NotFound and a missing model with BadRequest", () => {
    const { router } = setup();
    const codeOf = (body: Uint8Array) => {
      try {
        router.route({ requestId: "r5", headers: noHeaders, body, kind: "chat" });
      } catch (e) {
        return (e as RouterError).code;
      }
      return "routed";
    };
    expect(codeOf(chat("nope"))).toBe("NotFound");
    expect(codeOf(encoder.encode('{"messages":[]}'))).toBe("BadRequest");
    expect(codeOf(encoder.encode("{not json"))).toBe("BadRequest");
  });

  it("guesses the API from the body when the front end does not know the path", () => {
    const { router } = setup();
    const d = router.route({ requestId: "r6", headers: noHeaders, body: chat("llama") });
    expect(d.stream).toBe(false);
    d.lease?.release();
  });

  it("explains without taking a lease", () => {
    const { store, router } = setup();
    const x = router.explain({ requestId: "x", headers: noHeaders, body: chat("llama"), kind: "chat" });
    expect(x.pool).toBe("pool-a");
    expect(x.explanation.picked[0]).toBe("10.0.0.2:8000");
    expect(store.endpoints("pool-a")!.every((e) => e.inFlight.requests === 0)).toBe(true);
  });

  it("lists the models it serves", () => {
    const { router } = setup();
    expect(router.models()).toEqual(["chat", "llama", "mistral"]);
  });

  it("sends chats sharing a 6,000-character system prompt back to the endpoint that served the first", () => {
    const clock = createManualClock(1_000_000);
    const store = new PoolStore({ clock });
    store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
    const eps = [1, 2, 3, 4].map((i) => endpoint(`10.0.0.${i}:8000`, { kvCacheUsage: 0.1 }));
    store.push(snapshot(1, eps, { observedAt: clock.now() }));
    const random = createSeededRandom(3);
    const scheduler = createScheduler({ store, random });
    const router = createRequestRouter({
      store,
      scheduler,
      resources: { objectives: [], models: [], rewrites: [] },
      random,
    });
    const system = Array.from({ length: 120 }, (_, i) => `Rule ${i}: answer politely and briefly.`)
      .join(" ")
      .slice(0, 6000);
    const ask = (question: string) =>
      encoder.encode(
        JSON.stringify({
          model: "llama",
          messages: [
            { role: "system", content: system },
            { role: "user", content: question },
          ],
        }),
      );
    clock.advance(5);
    const first = router.route({
      requestId: "q0",
      headers: noHeaders,
      body: ask("What is KV caching?"),
      kind: "chat",
    });
    first.lease?.release();
    const served = new Set<string>();
    for (let i = 1; i <= 8; i++) {
      const d = router.route({
        requestId: `q${i}`,
        headers: noHeaders,
        body: ask(`Question number ${i}?`),
        kind: "chat",
      });
      served.add(d.endpoints[0]!.address);
      d.lease?.release();
    }
    expect([...served]).toEqual([first.endpoints[0]!.address]);
  });
});
