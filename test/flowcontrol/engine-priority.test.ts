/**
 * The opt-in engine-priority forward (src/proxy/engine-priority.ts, RouterConfig
 * `spec.proxy.enginePriority`): off leaves the client's bytes alone; vllm writes the objective's
 * priority negated (vLLM serves lower first), sglang as is; a bad value is refused at load.
 */
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createExtProcProcessor } from "../../src/extproc/index.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import { engineBody } from "../../src/proxy/engine-priority.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { body, chunks, headers } from "../extproc/helpers.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const encoder = new TextEncoder();
const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;

describe("engineBody", () => {
  const json = { model: "m", messages: [{ role: "user", content: "hi" }] };
  const bytes = encoder.encode(JSON.stringify(json));

  it("off: the client's bytes, unchanged, whatever the priority", () => {
    const out = engineBody(bytes, json, "m", "off", 2);
    expect(out.changed).toBe(false);
    expect(out.body).toBe(bytes);
  });

  it("vllm: priority negated (critical 2 -> -2, sheddable -1 -> 1, 0 -> 0), every other field kept", () => {
    expect(decode(engineBody(bytes, json, "m", "vllm", 2).body)).toEqual({ ...json, priority: -2 });
    expect(decode(engineBody(bytes, json, "m", "vllm", -1).body).priority).toBe(1);
    const zero = engineBody(bytes, json, "m", "vllm", 0);
    expect(Object.is(decode(zero.body).priority, 0)).toBe(true);
    expect(zero.changed).toBe(true);
  });

  it("sglang: priority as is (SGLang serves higher first by default)", () => {
    expect(decode(engineBody(bytes, json, "m", "sglang", 2).body).priority).toBe(2);
  });

  it("keeps the model rewrite and replaces a client's own priority", () => {
    const own = { ...json, priority: -100 };
    const out = engineBody(encoder.encode(JSON.stringify(own)), own, "target", "vllm", 2);
    expect(decode(out.body)).toEqual({ ...json, model: "target", priority: -2 });
  });

  it("leaves a body that already says the same thing alone", () => {
    const same = { ...json, priority: -2 };
    const b = encoder.encode(JSON.stringify(same));
    expect(engineBody(b, same, "m", "vllm", 2)).toEqual({ body: b, changed: false });
  });
});

const manifests = (proxy: string) => `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: critical}
spec: {priority: 2, poolRef: {name: pool-a}}
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {proxy: {${proxy}}}
`;

async function forwardedBody(proxy: string, headers: Record<string, string>): Promise<string> {
  const clock = createManualClock(Date.now());
  const parsed = parseManifests([{ path: "t.yaml", text: manifests(proxy) }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(1) });
  core.store.push(snapshot(1, [endpoint("10.0.0.1:8000")], { observedAt: clock.now() }));
  const bodies: string[] = [];
  const http = createHttpRouter({
    core,
    transport: {
      fetch: async (_url, init) => {
        bodies.push(new TextDecoder().decode(init.body ?? new Uint8Array()));
        return Response.json({ model: "m" });
      },
    },
  });
  const res = await http.app.request("/v1/chat/completions", {
    method: "POST",
    body: CLIENT_BODY,
    headers: { "content-type": "application/json", ...headers },
  });
  expect(res.status).toBe(200);
  core.dispose();
  expect(bodies).toHaveLength(1);
  return bodies[0]!;
}
const CLIENT_BODY = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
const critical = { "x-gateway-inference-objective": "critical" };

describe("spec.proxy.enginePriority in the HTTP router", () => {
  it("is off by default: the engine gets the client's body byte for byte", async () => {
    expect(await forwardedBody("", critical)).toBe(CLIENT_BODY);
  });

  it("vllm: the engine gets priority -2 for the critical objective, 0 without one", async () => {
    expect(JSON.parse(await forwardedBody("enginePriority: vllm", critical)).priority).toBe(-2);
    expect(JSON.parse(await forwardedBody("enginePriority: vllm", {})).priority).toBe(0);
  });

  it("refuses an unknown value at load, naming the field and the value", () => {
    const parsed = parseManifests([{ path: "t.yaml", text: manifests("enginePriority: priority") }]);
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? "" : parsed.errors.join("\n");
    expect(errors).toContain("enginePriority");
    expect(errors).toMatch(/priority/);
    expect(errors).toMatch(/off|vllm|sglang/);
  });
});

describe("spec.proxy.enginePriority at the ext_proc door", () => {
  /** The body the picker streams back to Envoy (FULL_DUPLEX_STREAMED, the default body mode). */
  function extProcBody(proxy: string): string {
    const clock = createManualClock(1_000_000);
    const parsed = parseManifests([{ path: "t.yaml", text: manifests(proxy) }]);
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(1) });
    core.store.push(snapshot(1, [endpoint("10.0.0.1:8000")], { observedAt: clock.now() }));
    const processor = createExtProcProcessor({ router: core, pool: "pool-a", clock });
    const s = processor.open();
    s.handle(
      headers({
        ":method": "POST",
        ":path": "/v1/chat/completions",
        "content-type": "application/json",
        ...critical,
      }),
    );
    const sent = chunks(s.handle(body(CLIENT_BODY, true)));
    core.dispose();
    return sent.map((c) => c.body).join("");
  }

  it("off: the body Envoy forwards is the client's; vllm: it carries priority -2", () => {
    expect(extProcBody("")).toBe(CLIENT_BODY);
    expect(JSON.parse(extProcBody("enginePriority: vllm")).priority).toBe(-2);
  });
});
