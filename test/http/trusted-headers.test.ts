/**
 * A client of the HTTP router cannot steer its request with `x-gateway-model-name-rewrite` (it would
 * override the operator's rewrites and reach a pod of its choosing) unless RouterConfig
 * `spec.proxy.trustedHeaders` lists it; the ext_proc picker reads it as upstream does.
 */
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const pool = `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
`;
const trusting = `${pool}---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {proxy: {trustedHeaders: [x-gateway-model-name-rewrite]}}
`;
/** The only pod serving "private-model". */
const PRIVATE_POD = "10.0.0.9:8000";
const N = 40;

function setup(config: string) {
  const clock = createManualClock(Date.now());
  const parsed = parseManifests([{ path: "test.yaml", text: config }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(7) });
  const eps = [endpoint("10.0.0.1:8000"), endpoint("10.0.0.2:8000"), endpoint(PRIVATE_POD)];
  eps[0]!.models = ["base"];
  eps[1]!.models = ["base"];
  eps[2]!.models = ["private-model"];
  core.store.push(snapshot(1, eps, { observedAt: clock.now() }));
  const hosts: string[] = [];
  const http = createHttpRouter({
    core,
    transport: {
      fetch: async (url) => {
        hosts.push(new URL(url).host);
        return Response.json({ model: "x" });
      },
    },
  });
  const sendRewritten = async () => {
    for (let i = 0; i < N; i++) {
      const res = await http.app.request("/v1/chat/completions", {
        method: "POST",
        body: JSON.stringify({ model: "base", messages: [{ role: "user", content: `hi ${i}` }] }),
        headers: { "content-type": "application/json", "x-gateway-model-name-rewrite": "private-model" },
      });
      expect(res.status).toBe(200);
    }
  };
  return {
    core,
    hosts,
    sendRewritten,
    parsedTrusting: () => parseManifests([{ path: "t.yaml", text: trusting }]),
  };
}

describe("the HTTP router's trusted headers", () => {
  it("ignores a client's x-gateway-model-name-rewrite by default: 0 of N requests reach the pod only it names", async () => {
    const t = setup(pool);
    await t.sendRewritten();
    expect(t.hosts).toHaveLength(N);
    expect(t.hosts.filter((h) => h === PRIVATE_POD)).toHaveLength(0);
  });

  it("follows x-gateway-model-name-rewrite when spec.proxy.trustedHeaders lists it", async () => {
    const t = setup(trusting);
    await t.sendRewritten();
    expect(t.hosts.filter((h) => h === PRIVATE_POD)).toHaveLength(N);
  });

  it("follows a reload that trusts the header", async () => {
    const t = setup(pool);
    const parsed = t.parsedTrusting();
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    t.core.reload(parsed.resources);
    await t.sendRewritten();
    expect(t.hosts.filter((h) => h === PRIVATE_POD)).toHaveLength(N);
  });
});
