import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { InferenceRequest, inferenceKind } from "../../src/http/inference.js";
import type { InferenceProxy } from "../../src/proxy/proxy.js";
import type { ClientSink, OutHeaders } from "../../src/proxy/upstream.js";
import type { ExtendedRequestRouter } from "../../src/routing/request-router.js";
import type { RouteDecision, RouteInput } from "../../src/routing/types.js";

const enc = new TextEncoder();

function harness(opts: { max?: number; refuse?: RouterError } = {}) {
  const routed: RouteInput[] = [];
  const forwarded: { decision: RouteDecision; path: string }[] = [];
  let cancelled = 0;
  const router = {
    route(input: RouteInput) {
      routed.push(input);
      if (opts.refuse) throw opts.refuse;
      return { requestId: input.requestId } as RouteDecision;
    },
  } as unknown as ExtendedRequestRouter;
  const proxy: InferenceProxy = {
    forward(decision, client) {
      forwarded.push({ decision, path: client.path });
      return { cancel: () => void cancelled++ };
    },
  };
  const out = { status: 0, headers: {} as OutHeaders, body: "", ended: false };
  const sink: ClientSink = {
    head(status, headers) {
      out.status = status;
      out.headers = headers;
    },
    write: () => true,
    end(chunk) {
      if (chunk) out.body += new TextDecoder().decode(chunk);
      out.ended = true;
    },
    onDrain: () => {},
  };
  const errors: [string, number][] = [];
  const options = {
    router: () => router,
    proxy,
    limits: { maxBodyBytes: opts.max ?? 1024 },
    onError: (id: string, status: number) => void errors.push([id, status]),
  };
  const start = (headers: Record<string, string> = {}) =>
    new InferenceRequest(options, { path: "/v1/chat/completions?x=1", kind: "chat", headers }, sink);
  return { start, routed, forwarded, out, errors, cancels: () => cancelled };
}

describe("inferenceKind", () => {
  it("knows the four POST inference paths, with or without a query, and nothing else", () => {
    expect(inferenceKind("POST", "/v1/chat/completions")).toBe("chat");
    expect(inferenceKind("POST", "/v1/completions?stream=1")).toBe("completions");
    expect(inferenceKind("POST", "/v1/embeddings")).toBe("embeddings");
    expect(inferenceKind("POST", "/v1/responses")).toBe("responses");
    expect(inferenceKind("GET", "/v1/chat/completions")).toBeUndefined();
    expect(inferenceKind("POST", "/v1/models")).toBeUndefined();
    expect(inferenceKind("POST", "/v1/chat/completions/")).toBeUndefined();
  });
});

describe("InferenceRequest", () => {
  it("routes the whole body once, with the client's request id, and forwards with path and query", () => {
    const h = harness();
    const r = h.start({ "x-request-id": "abc", "content-type": "application/json" });
    expect(r.data(enc.encode('{"model":'))).toBe(true);
    expect(r.data(enc.encode('"m"}'))).toBe(true);
    r.end();
    expect(h.routed).toHaveLength(1);
    expect(new TextDecoder().decode(h.routed[0]!.body)).toBe('{"model":"m"}');
    expect(h.routed[0]!.requestId).toBe("abc");
    expect(h.routed[0]!.headers.get("Content-Type")).toBe("application/json");
    expect(h.forwarded.map((f) => f.path)).toEqual(["/v1/chat/completions?x=1"]);
  });

  it("refuses a declared length above the limit at once with 413", () => {
    const h = harness({ max: 10 });
    const r = h.start({ "content-length": "11", "x-request-id": "id-1" });
    expect(h.out.status).toBe(413);
    expect(h.out.headers["x-request-id"]).toBe("id-1");
    expect(JSON.parse(h.out.body).error.code).toBe("request_too_large");
    expect(r.data(enc.encode("{}"))).toBe(false);
    r.end();
    expect(h.routed).toHaveLength(0);
    expect(h.errors).toEqual([["id-1", 413]]);
  });

  it("refuses an undeclared (chunked) body as soon as it passes the limit", () => {
    const h = harness({ max: 10 });
    const r = h.start();
    expect(r.data(enc.encode("12345"))).toBe(true);
    expect(h.out.status).toBe(0);
    expect(r.data(enc.encode("123456"))).toBe(false);
    expect(h.out.status).toBe(413);
    r.end();
    expect(h.routed).toHaveLength(0);
  });

  it("answers a routing refusal in OpenAI's shape with its status", () => {
    const h = harness({ refuse: new RouterError("NotFound", 'unknown model "x"', "model") });
    const r = h.start({ "x-request-id": "id-2" });
    r.data(enc.encode('{"model":"x"}'));
    r.end();
    expect(h.out.status).toBe(404);
    expect(JSON.parse(h.out.body).error).toEqual({
      message: 'unknown model "x"',
      type: "invalid_request_error",
      param: "model",
      code: "model_not_found",
    });
    expect(h.out.headers["content-length"]).toBe(String(enc.encode(h.out.body).length));
    expect(h.out.headers.connection).toBeUndefined();
    expect(h.forwarded).toHaveLength(0);
  });

  it("generates a request id when the client sent none or an absurd one", () => {
    const h = harness();
    h.start({ "x-request-id": "x".repeat(300) }).end();
    h.start().end();
    const [a, b] = h.routed.map((x) => x.requestId);
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it("passes a client that leaves on to the forwarded request, and routes nothing after it left", () => {
    const h = harness();
    const r = h.start();
    r.data(enc.encode("{}"));
    r.end();
    r.cancel();
    expect(h.cancels()).toBe(1);
    const early = h.start();
    early.data(enc.encode("{}"));
    early.cancel();
    early.end();
    expect(h.routed).toHaveLength(1);
  });
});
