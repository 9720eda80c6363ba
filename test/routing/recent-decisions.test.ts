import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { type RecentDecision, RecentDecisions } from "../../src/routing/recent-decisions.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const d = (requestId: string): RecentDecision => ({ at: 0, requestId, model: "m", outcome: "routed" });
const ids = (r: RecentDecisions) => r.list().map((x) => x.requestId);

describe("RecentDecisions", () => {
  it("keeps the newest `capacity` entries, newest first", () => {
    const r = new RecentDecisions(3);
    for (const id of ["a", "b", "c", "d", "e"]) r.record(d(id));
    expect(ids(r)).toEqual(["e", "d", "c"]);
  });

  it("keeps nothing with capacity 0", () => {
    const r = new RecentDecisions(0);
    r.record(d("a"));
    expect(r.list()).toEqual([]);
  });

  it("keeps the newest entries that fit when it shrinks, and all of them when it grows", () => {
    const r = new RecentDecisions(4);
    for (const id of ["a", "b", "c", "d"]) r.record(d(id));
    r.resize(2);
    expect(ids(r)).toEqual(["d", "c"]);
    r.resize(5);
    r.record(d("e"));
    expect(ids(r)).toEqual(["e", "d", "c"]);
  });
});

const config = (extra = "") => `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {ui: {recentDecisions: 2}${extra}}
`;

function core() {
  const clock = createManualClock(1_000_000);
  const parsed = parseManifests([{ path: "t.yaml", text: config() }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const c = createRouterCore(parsed.resources, { clock, random: createSeededRandom(5) });
  const eps = [endpoint("10.0.0.1:8000", { waitingRequests: 9 }), endpoint("10.0.0.2:8000")];
  for (const e of eps) e.models = ["m"];
  c.store.push(snapshot(1, eps, { observedAt: clock.now() }));
  return c;
}

const request = (requestId: string, model: string) => ({
  requestId,
  headers: { get: () => null },
  body: new TextEncoder().encode(JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] })),
  kind: "chat" as const,
});

describe("the router core's recent decisions", () => {
  it("records a pick with its endpoint, pool, model and the primary's score lead over the first fallback", () => {
    const c = core();
    const decision = c.route(request("r1", "m"));
    const [entry] = c.recentDecisions.list();
    expect(entry).toMatchObject({
      at: 1_000_000,
      requestId: "r1",
      model: "m",
      pool: "pool-a",
      endpoint: decision.endpoints[0]!.address,
      outcome: "routed",
    });
    expect(entry?.margin).toBe(decision.scoreMargin);
    expect(decision.scoreMargin).toBeGreaterThan(0);
  });

  it("records a refusal with its error code and keeps only spec.ui.recentDecisions entries", () => {
    const c = core();
    c.route(request("r1", "m"));
    expect(() => c.route(request("r2", "unknown-model"))).toThrow();
    c.route(request("r3", "m"));
    expect(c.recentDecisions.list().map((x) => [x.requestId, x.outcome])).toEqual([
      ["r3", "routed"],
      ["r2", "NotFound"],
    ]);
  });
});
