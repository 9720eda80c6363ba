/**
 * With RouterConfig `spec.tracing.otlpEndpoint` set, a real `serve` exports OTLP/HTTP spans for one
 * HTTP-router request and one ext_proc exchange: a request span that is the child of the caller's
 * `traceparent`, admission/scheduling/forwarding under it, and the next hop's `traceparent` naming
 * the forwarding span. An in-process receiver decodes the export.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServe } from "../../../runtimes/node/serve.js";
import { otlpTracesUrl } from "../../../runtimes/node/tracing.js";
import { routerTracing } from "../../../src/tracing/request-trace.js";
import {
  ExtProcCall,
  extProcClient,
  requestBody,
  requestHeaders,
  setHeaders,
} from "../../integration/extproc-client.js";
import { endpoint, snapshot } from "../../state/fixtures.js";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

const CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN = "b7ad6b7169203331";
const PICK_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PICK_SPAN = "00f067aa0ba902b7";
const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 2 });

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

const attr = (s: OtlpSpan, key: string) => s.attributes?.find((a) => a.key === key)?.value.stringValue;
const parentId = (traceparent: string | undefined) => traceparent?.split("-")[2];

const spans: OtlpSpan[] = [];
const exportTypes: string[] = [];
let receiver: Server;
let upstream: Server;
let upstreamHeaders: IncomingHttpHeaders | undefined;
let upstreamAddress: string;
let serve: RunningServer | undefined;
let client: grpc.Client | undefined;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      exportTypes.push(String(req.headers["content-type"]));
      const doc = JSON.parse(Buffer.concat(parts).toString("utf8")) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const r of doc.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  upstream = createServer((req, res) => {
    upstreamHeaders = req.headers;
    req.resume();
    req.on("end", () => {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ id: "x", object: "chat.completion", model: "m", choices: [] }));
    });
  });
  const [receiverPort, upstreamPort] = await Promise.all([listen(receiver), listen(upstream)]);
  upstreamAddress = `127.0.0.1:${upstreamPort}`;
  const dir = mkdtempSync(join(tmpdir(), "serve-tracing-"));
  writeFileSync(
    join(dir, "pool.yaml"),
    `apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: {name: pool-a}\nspec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: ${upstreamPort}}]}\n`,
  );
  writeFileSync(
    join(dir, "router.yaml"),
    `apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec:\n  tracing:\n    otlpEndpoint: http://127.0.0.1:${receiverPort}\n`,
  );
  serve = await startServe({
    config: dir,
    host: "127.0.0.1",
    "api-port": 0,
    "http-port": 0,
    "extproc-port": 0,
    "health-port": 0,
    "metrics-port": 0,
  });
  serve.store.push(snapshot(1, [endpoint(upstreamAddress)], { observedAt: Date.now() }));
}, 30_000);

afterAll(async () => {
  client?.close();
  await serve?.close();
  receiver?.close();
  upstream?.close();
});

describe("OpenTelemetry tracing through a real serve", () => {
  let httpUpstreamTraceparent: string | undefined;
  let pickTraceparent: string | undefined;

  it("sends the HTTP router's upstream request a traceparent in the client's trace, with a new parent", async () => {
    const res = await fetch(`http://127.0.0.1:${serve!.ports.http}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`,
        tracestate: "vendor=abc",
      },
      body,
    });
    expect(res.status).toBe(200);
    await res.text();
    httpUpstreamTraceparent = upstreamHeaders?.traceparent as string | undefined;
    expect(httpUpstreamTraceparent).toMatch(new RegExp(`^00-${CLIENT_TRACE}-[0-9a-f]{16}-01$`));
    expect(parentId(httpUpstreamTraceparent)).not.toBe(CLIENT_SPAN);
    expect(upstreamHeaders?.tracestate).toBe("vendor=abc");
  });

  it("sets traceparent in the ext_proc pick's header mutation, in the trace Envoy sent", async () => {
    client = extProcClient(serve!.ports.extproc!);
    const call = new ExtProcCall(client);
    call.send(
      requestHeaders(
        {
          ":method": "POST",
          ":path": "/v1/chat/completions",
          "content-type": "application/json",
          traceparent: `00-${PICK_TRACE}-${PICK_SPAN}-01`,
        },
        false,
      ),
    );
    call.send(requestBody(body, true));
    const [first] = await call.waitFor(1);
    const set = setHeaders(first);
    expect(set["x-gateway-destination-endpoint"]).toBe(upstreamAddress);
    pickTraceparent = set.traceparent;
    expect(pickTraceparent).toMatch(new RegExp(`^00-${PICK_TRACE}-[0-9a-f]{16}-01$`));
    call.end();
  });

  it("exports both requests' spans over OTLP/HTTP when serve closes, parented as the headers said", async () => {
    await serve!.close();
    serve = undefined;
    expect(routerTracing.tracer).toBeUndefined();
    expect(exportTypes.length).toBeGreaterThan(0);
    expect(exportTypes[0]).toContain("application/json");

    for (const [traceId, callerSpan, rootName, sent] of [
      [CLIENT_TRACE, CLIENT_SPAN, "POST /v1/chat/completions", httpUpstreamTraceparent],
      [PICK_TRACE, PICK_SPAN, "ext_proc pick", pickTraceparent],
    ] as const) {
      const inTrace = spans.filter((s) => s.traceId === traceId);
      const root = inTrace.find((s) => s.name === rootName);
      expect(root?.parentSpanId).toBe(callerSpan);
      const phase = (name: string) => inTrace.find((s) => s.name === name && s.parentSpanId === root?.spanId);
      expect(phase("admission")).toBeDefined();
      const scheduling = phase("scheduling");
      expect(scheduling && attr(scheduling, "inference.endpoint")).toBe(upstreamAddress);
      expect(scheduling && attr(scheduling, "inference.pool")).toBe("pool-a");
      expect(scheduling && attr(scheduling, "gen_ai.request.model")).toBe("m");
      expect(scheduling && attr(scheduling, "inference.profile")).toBeTruthy();
      // The next hop's parent is the forwarding span.
      expect(phase("forwarding")?.spanId).toBe(parentId(sent));
    }
  }, 20_000);
});

describe("otlpTracesUrl", () => {
  it("appends /v1/traces to an endpoint without a path and keeps one with a path", () => {
    expect(otlpTracesUrl("http://collector:4318")).toBe("http://collector:4318/v1/traces");
    expect(otlpTracesUrl("http://collector:4318/custom/traces")).toBe("http://collector:4318/custom/traces");
  });
});
