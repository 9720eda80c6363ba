import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import type { UpstreamFetch, UpstreamInit } from "../../src/proxy/proxy-options.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const config = `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModelRewrite
metadata: {name: canary}
spec:
  poolRef: {name: pool-a}
  rules: [{matches: [{model: {type: Exact, value: chat}}], targets: [{modelRewrite: chat-v2}]}]
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {limits: {maxBodyBytes: 1000}}
`;

interface Seen {
  url: string;
  init: UpstreamInit;
  body: string;
}

function setup(answer: (seen: Seen) => Response = () => Response.json({ model: "chat-v2", usage: null })) {
  const clock = createManualClock(Date.now());
  const parsed = parseManifests([{ path: "test.yaml", text: config }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const metrics = new RouterMetrics();
  const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(3), metrics });
  const { store } = core;
  const eps = [endpoint("10.0.0.1:8000"), endpoint("10.0.0.2:8000")];
  for (const e of eps) e.models = ["chat-v2", "base"];
  store.push(snapshot(1, eps, { observedAt: clock.now() }));
  const seen: Seen[] = [];
  const transport: UpstreamFetch = async (url, init) => {
    const s = { url, init, body: new TextDecoder().decode(init.body ?? new Uint8Array()) };
    seen.push(s);
    return answer(s);
  };
  const http = createHttpRouter({ core, transport: { fetch: transport } });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    http.app.request(path, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
  return { http, core, store, seen, post, metrics };
}

const chat = (model = "chat") => JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] });

describe("HTTP router app", () => {
  it("routes by model, rewrites the body only when the model changes, and maps the answer back", async () => {
    const t = setup();
    const res = await t.post("/v1/chat/completions", chat());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ model: "chat", usage: null });
    expect(t.seen[0]!.url).toMatch(/^http:\/\/10\.0\.0\.[12]:8000\/v1\/chat\/completions$/);
    expect(JSON.parse(t.seen[0]!.body).model).toBe("chat-v2");
    expect(res.headers.get("x-inference-endpoint")).toBe(new URL(t.seen[0]!.url).host);
    expect(res.headers.get("x-inference-attempts")).toBe("1");
    const raw = '{"model":"base",  "prompt":"x"}';
    await t.post("/v1/completions", raw);
    expect(t.seen[1]!.body).toBe(raw); // untouched bytes: no re-serialisation
  });

  it("asks the scheduler for 3 ordered endpoints by default and fails over before the first byte", async () => {
    let calls = 0;
    const t = setup(() => (++calls === 1 ? new Response("busy", { status: 503 }) : Response.json({})));
    const res = await t.post("/v1/chat/completions", chat());
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inference-attempts")).toBe("2");
    expect(new Set(t.seen.map((s) => s.url)).size).toBe(2);
    expect(t.store.pool("pool-a")!.endpoints.every((e) => e.inFlight.requests === 0)).toBe(true);
  });

  it("drops client-supplied routing headers and hop-by-hop headers, and propagates x-request-id", async () => {
    const t = setup();
    const res = await t.post("/v1/chat/completions", chat(), {
      "x-gateway-destination-endpoint": "6.6.6.6:1",
      "x-gateway-destination-endpoint-subset": "6.6.6.6",
      "x-request-id": "req-42",
      authorization: "Bearer k",
    });
    const h = t.seen[0]!.init.headers;
    expect(h.get("x-gateway-destination-endpoint")).toBeNull();
    expect(h.get("x-gateway-destination-endpoint-subset")).toBeNull();
    expect(h.get("authorization")).toBe("Bearer k");
    expect(h.get("x-request-id")).toBe("req-42");
    expect(t.seen[0]!.url).not.toContain("6.6.6.6");
    expect(res.headers.get("x-request-id")).toBe("req-42");
  });

  it("generates a request id when the client sends none", async () => {
    const t = setup();
    const res = await t.post("/v1/chat/completions", chat());
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.seen[0]!.init.headers.get("x-request-id")).toBe(res.headers.get("x-request-id"));
  });

  it("answers errors in OpenAI's shape: 400 malformed JSON, 404 unknown model, 413 too large", async () => {
    const t = setup();
    const bad = await t.post("/v1/chat/completions", "{nope");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({
      type: "invalid_request_error",
      code: "BadRequest",
      param: null,
    });
    const unknown = await t.post("/v1/chat/completions", chat("gpt-9"));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({
      type: "invalid_request_error",
      code: "model_not_found",
      param: "model",
    });
    const big = await t.post("/v1/chat/completions", chat().replace("hi", "x".repeat(2000)));
    expect(big.status).toBe(413);
    expect((await big.json()).error).toMatchObject({
      type: "invalid_request_error",
      code: "request_too_large",
      param: null,
      message: expect.stringContaining("the limit of 1000 bytes (RouterConfig spec.limits.maxBodyBytes)"),
    });
    expect(t.seen).toHaveLength(0);
  });

  it("answers 502 when no endpoint can be reached and releases the in-flight lease", async () => {
    const t = setup(() => {
      throw new TypeError("fetch failed");
    });
    const res = await t.post("/v1/chat/completions", chat());
    expect(res.status).toBe(502);
    expect((await res.json()).error.type).toBe("upstream_error");
    expect(t.store.pool("pool-a")!.endpoints.every((e) => e.inFlight.requests === 0)).toBe(true);
  });

  it("streams SSE answers and counts usage in the metrics", async () => {
    const sse =
      'data: {"model":"chat-v2","choices":[]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":5}}\n\ndata: [DONE]\n\n';
    const t = setup(() => new Response(sse, { headers: { "content-type": "text/event-stream" } }));
    const res = await t.post("/v1/chat/completions", chat());
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    expect(text).toContain('"model":"chat"');
    expect(text).not.toContain("chat-v2");
    const exposition = t.metrics.expose();
    expect(exposition).toContain(
      'inference_objective_request_total{model_name="chat",target_model_name="chat-v2"} 1',
    );
    expect(exposition).toContain(
      'inference_objective_output_tokens_sum{model_name="chat",target_model_name="chat-v2"} 5',
    );
  });

  it("paces an SSE upstream by the client's reads, and a client that cancels aborts it and frees the lease", async () => {
    let pulled = 0;
    let upstreamCancelled = false;
    const t = setup((seen) => {
      const body = new ReadableStream<Uint8Array>(
        {
          pull(c) {
            pulled++;
            c.enqueue(new TextEncoder().encode(`data: {"n":${pulled}}\n\n`));
          },
          cancel() {
            upstreamCancelled = true;
          },
        },
        { highWaterMark: 0 },
      );
      seen.init.signal.addEventListener("abort", () => {
        upstreamCancelled = true;
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    });
    const res = await t.post("/v1/chat/completions", chat());
    const reader = res.body!.getReader();
    for (let i = 1; i <= 3; i++)
      expect(new TextDecoder().decode((await reader.read()).value)).toBe(`data: {"n":${i}}\n\n`);
    await new Promise((r) => setTimeout(r, 20));
    expect(pulled).toBeLessThanOrEqual(5); // an endless upstream is not read ahead of the client
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(upstreamCancelled).toBe(true);
    expect(t.store.pool("pool-a")!.endpoints.every((e) => e.inFlight.requests === 0)).toBe(true);
  });

  it("serves /v1/models, /healthz, /readyz and /metrics, and 404s other paths in OpenAI's shape", async () => {
    const t = setup();
    const models = await (await t.http.app.request("/v1/models")).json();
    expect(models.object).toBe("list");
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(["base", "chat", "chat-v2"]);
    expect((await t.http.app.request("/healthz")).status).toBe(200);
    expect((await t.http.app.request("/readyz")).status).toBe(200);
    const metrics = await t.http.app.request("/metrics");
    expect(await metrics.text()).toContain("inference_pool_ready_pods");
    const missing = await t.http.app.request("/v2/nothing");
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.message).toContain("/v2/nothing");
  });
});
