/**
 * The HTTP router's spans, in process: off by default (the caller's traceparent goes upstream as it
 * came, no span is made), and a refused request ends its spans failed without a forwarding phase.
 */
import { SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { routerTracing } from "../../src/tracing/request-trace.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const POOL = `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
`;
const CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function setup() {
  const clock = createManualClock(Date.now());
  const parsed = parseManifests([{ path: "t.yaml", text: POOL }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(3) });
  const ep = endpoint("10.0.0.1:8000");
  ep.models = ["m"];
  core.store.push(snapshot(1, [ep], { observedAt: clock.now() }));
  const sent: Headers[] = [];
  const http = createHttpRouter({
    core,
    transport: {
      fetch: async (_url, init) => {
        sent.push(new Headers(init?.headers));
        return Response.json({ model: "m", choices: [] });
      },
    },
  });
  const send = (model: string) =>
    http.app.request("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      headers: { "content-type": "application/json", traceparent: CALLER },
    });
  return { send, sent };
}

function inMemoryTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  routerTracing.tracer = provider.getTracer("test");
  return exporter;
}

afterEach(() => {
  routerTracing.tracer = undefined;
});

describe("the HTTP router's tracing", () => {
  it("is off by default: the caller's traceparent reaches the upstream as it came", async () => {
    const t = setup();
    expect(routerTracing.tracer).toBeUndefined();
    expect((await t.send("m")).status).toBe(200);
    expect(t.sent[0]?.get("traceparent")).toBe(CALLER);
  });

  it("when on, replaces the upstream's traceparent with the forwarding span's, in the caller's trace", async () => {
    const exporter = inMemoryTracing();
    const t = setup();
    expect((await t.send("m")).status).toBe(200);
    const forwarding = exporter.getFinishedSpans().find((s) => s.name === "forwarding");
    expect(t.sent[0]?.get("traceparent")).toBe(
      `00-0af7651916cd43dd8448eb211c80319c-${forwarding?.spanContext().spanId}-01`,
    );
  });

  it("ends a refused request's scheduling and request spans failed, with the error code, and forwards nothing", async () => {
    const exporter = inMemoryTracing();
    const t = setup();
    expect((await t.send("no-such-model")).status).toBe(404);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(["POST /v1/chat/completions", "admission", "scheduling"]);
    for (const s of spans.filter((x) => x.name !== "admission")) {
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.attributes["inference.error_code"]).toBe("NotFound");
    }
    const root = spans.find((s) => s.name === "POST /v1/chat/completions");
    expect(root?.attributes["http.response.status_code"]).toBe(404);
    expect(t.sent).toHaveLength(0);
  });
});
