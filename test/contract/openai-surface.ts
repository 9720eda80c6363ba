/**
 * The OpenAI surface every front door that claims it must show, as ONE list of cases run by a
 * runner per front door (test/contract/http-router.contract.test.ts for the Node HTTP router,
 * test/worker/contract.test.ts for the edge worker inside workerd). A case talks only to the
 * {@link ContractHarness}: a fetch into the front door, and two upstreams it can make fail. A case
 * that cannot apply to a front door says why in `skip`, so the table shows every gap.
 */
import { expect } from "vitest";

/** The front doors the suite runs against. */
export type Front = "http-router" | "edge";

/** What an upstream does with the next requests it gets. */
export type UpstreamBehaviour =
  /** Answers: JSON, or SSE when the body asked for `stream: true`. */
  | "ok"
  /** Breaks the connection before any response byte (the edge: the connection is refused). */
  | "connect-error"
  /** Answers 500 with a JSON error body. */
  | "status-500";

/** One request an upstream received. */
export interface Received {
  /** 0 = the upstream the front door picks first, 1 = its fallback. */
  upstream: 0 | 1;
  /** Path and query. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * The tiny interface a runner implements. Upstream 0 is the one the front door prefers (the
 * least-loaded endpoint, the nearest region), upstream 1 its fallback; both serve {@link model}.
 */
export interface ContractHarness {
  /** Sends a request to the front door, as a client would (headers kept as given). */
  fetch(request: Request): Promise<Response>;
  /** A model both upstreams serve. */
  readonly model: string;
  /** The front door's body limit (bytes). */
  readonly maxBodyBytes: number;
  /** Sets what upstream `i` does from now on (reset to "ok" before each case). */
  upstream(i: 0 | 1, behaviour: UpstreamBehaviour): void;
  /** Requests the upstreams received since the case began, in arrival order. */
  received(): Received[];
  /** Requests the front door counts as in flight over all endpoints (front doors that keep a count). */
  inFlight?(): number;
}

/** One case: a sentence-like name, the check, and why it does not apply where it does not. */
export interface ContractCase {
  name: string;
  skip?: Partial<Record<Front, string>>;
  run(h: ContractHarness): Promise<void>;
}

const BASE = "http://front.test";

function chatRequest(
  h: ContractHarness,
  over: { body?: string; headers?: Record<string, string>; stream?: boolean; model?: string } = {},
): Request {
  const body =
    over.body ??
    JSON.stringify({
      model: over.model ?? h.model,
      messages: [{ role: "user", content: "Tell me about routing." }],
      max_tokens: 8,
      ...(over.stream === true ? { stream: true } : {}),
    });
  return new Request(`${BASE}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...over.headers },
    body,
  });
}

/** The `error` object of an OpenAI error answer, checked for OpenAI's documented shape. */
async function openAiError(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(typeof body.error.message).toBe("string");
  return body.error;
}

/** The cases, in the order the issue lists them: routes, errors, streaming, failover, header hygiene. */
export const openAiSurfaceCases: readonly ContractCase[] = [
  {
    name: "POST /v1/chat/completions is forwarded to the preferred upstream and its answer returned",
    async run(h) {
      const res = await h.fetch(chatRequest(h));
      expect(res.status).toBe(200);
      expect((await res.json()) as unknown).toMatchObject({ object: "chat.completion", model: h.model });
      const got = h.received();
      expect(got.map((r) => [r.upstream, r.path])).toEqual([[0, "/v1/chat/completions"]]);
      expect(JSON.parse(got[0]!.body).model).toBe(h.model);
    },
  },
  {
    name: "POST /v1/completions is forwarded with its path and query",
    async run(h) {
      const res = await h.fetch(
        new Request(`${BASE}/v1/completions?trace=1`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: h.model, prompt: "Once upon a time", max_tokens: 4 }),
        }),
      );
      expect(res.status).toBe(200);
      expect(h.received().map((r) => r.path)).toEqual(["/v1/completions?trace=1"]);
    },
  },
  {
    name: "GET /v1/models lists the served model in OpenAI's shape",
    async run(h) {
      const before = Math.floor(Date.now() / 1000);
      const res = await h.fetch(new Request(`${BASE}/v1/models`));
      expect(res.status).toBe(200);
      const list = (await res.json()) as { object: string; data: Record<string, unknown>[] };
      expect(list.object).toBe("list");
      const entry = list.data.find((m) => m.id === h.model);
      expect(entry).toMatchObject({ id: h.model, object: "model", owned_by: "inference-router" });
      expect(entry!.created).toBeGreaterThanOrEqual(before);
      expect(entry!.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      expect(h.received()).toEqual([]);
    },
  },
  {
    name: "GET /v1/models/{id} answers the model object, and 404 model_not_found for an unknown one",
    async run(h) {
      const res = await h.fetch(new Request(`${BASE}/v1/models/${h.model}`));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: h.model, object: "model", owned_by: "inference-router" });
      const missing = await h.fetch(new Request(`${BASE}/v1/models/no-such-model`));
      expect(missing.status).toBe(404);
      expect(await openAiError(missing)).toMatchObject({
        type: "invalid_request_error",
        code: "model_not_found",
      });
    },
  },
  {
    name: "an unknown path is 404 with an OpenAI error body naming it",
    async run(h) {
      for (const request of [
        new Request(`${BASE}/v1/nothing-here`),
        new Request(`${BASE}/v1/nothing-here`, { method: "POST", body: "{}" }),
      ]) {
        const res = await h.fetch(request);
        expect(res.status).toBe(404);
        const error = await openAiError(res);
        expect(error).toMatchObject({ type: "not_found_error", code: "NotFound", param: null });
        expect(error.message).toContain("/v1/nothing-here");
      }
      expect(h.received()).toEqual([]);
    },
  },
  {
    name: "a body that is not JSON is 400 invalid_request_error, not forwarded",
    async run(h) {
      const res = await h.fetch(chatRequest(h, { body: "{not json" }));
      expect(res.status).toBe(400);
      expect(await openAiError(res)).toMatchObject({ type: "invalid_request_error", code: "BadRequest" });
      expect(h.received()).toEqual([]);
    },
  },
  {
    name: "a body without a model is 400 naming the model field",
    async run(h) {
      const res = await h.fetch(chatRequest(h, { body: JSON.stringify({ messages: [] }) }));
      expect(res.status).toBe(400);
      const error = await openAiError(res);
      expect(error).toMatchObject({ type: "invalid_request_error", code: "BadRequest", param: "model" });
      expect(error.message).toContain("model");
    },
  },
  {
    name: "an unknown model is 404 invalid_request_error model_not_found",
    async run(h) {
      const res = await h.fetch(chatRequest(h, { model: "no-such-model" }));
      expect(res.status).toBe(404);
      const error = await openAiError(res);
      expect(error).toMatchObject({ type: "invalid_request_error", code: "model_not_found", param: "model" });
      expect(error.message).toContain("no-such-model");
      expect(h.received()).toEqual([]);
    },
  },
  {
    name: "a body above the limit is 413 request_too_large, not forwarded",
    async run(h) {
      const pad = "x".repeat(h.maxBodyBytes);
      const res = await h.fetch(
        chatRequest(h, { body: JSON.stringify({ model: h.model, prompt: pad }), headers: {} }),
      );
      expect(res.status).toBe(413);
      const error = await openAiError(res);
      expect(error).toMatchObject({ type: "invalid_request_error", code: "request_too_large", param: null });
      expect(error.message).toContain(String(h.maxBodyBytes));
      expect(h.received()).toEqual([]);
    },
  },
  {
    name: "a streamed answer passes through as SSE, every event in order",
    async run(h) {
      const res = await h.fetch(chatRequest(h, { stream: true }));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const text = await res.text();
      const data = text
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6));
      expect(data.at(-1)).toBe("[DONE]");
      const events = data
        .slice(0, -1)
        .map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[] });
      expect(events.map((e) => e.choices[0]?.delta.content ?? "").join("")).toBe("one two three");
    },
  },
  {
    name: "a connect error at the preferred upstream fails over to the next before the first byte",
    async run(h) {
      h.upstream(0, "connect-error");
      const res = await h.fetch(chatRequest(h));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ object: "chat.completion" });
      expect(h.received().at(-1)?.upstream).toBe(1);
    },
  },
  {
    name: "a 500 from the preferred upstream fails over to the next before the first byte",
    async run(h) {
      h.upstream(0, "status-500");
      const res = await h.fetch(chatRequest(h));
      expect(res.status).toBe(200);
      expect(h.received().map((r) => r.upstream)).toEqual([0, 1]);
    },
  },
  {
    name: "after a failover the in-flight count follows the request and returns to zero at its end",
    skip: {
      edge: "the edge keeps no per-endpoint in-flight count: regions are known by their pushed summaries",
    },
    async run(h) {
      h.upstream(0, "connect-error");
      const res = await h.fetch(chatRequest(h, { stream: true }));
      expect(res.status).toBe(200);
      await res.text();
      expect(h.received().map((r) => r.upstream)).toEqual([0, 1]);
      expect(h.inFlight?.()).toBe(0);
    },
  },
  {
    name: "when every upstream answers 500, the last answer reaches the client as it is",
    async run(h) {
      h.upstream(0, "status-500");
      h.upstream(1, "status-500");
      const res = await h.fetch(chatRequest(h));
      expect(res.status).toBe(500);
      expect(h.received().map((r) => r.upstream)).toEqual([0, 1]);
    },
  },
  {
    name: "hop-by-hop headers and those Connection lists are not forwarded; end-to-end ones are",
    async run(h) {
      await h.fetch(
        chatRequest(h, {
          headers: {
            connection: "x-trace",
            "x-trace": "1",
            "keep-alive": "timeout=5",
            "proxy-authorization": "Basic eDp5",
            authorization: "Bearer client-key",
            "x-custom": "kept",
          },
        }),
      );
      const got = h.received()[0]!.headers;
      expect(got["x-trace"]).toBeUndefined();
      expect(got["keep-alive"]).toBeUndefined();
      expect(got["proxy-authorization"]).toBeUndefined();
      expect(got.authorization).toBe("Bearer client-key");
      expect(got["x-custom"]).toBe("kept");
    },
  },
  {
    name: "a client's x-gateway-destination-endpoint is ignored and not forwarded",
    async run(h) {
      const res = await h.fetch(
        chatRequest(h, {
          headers: {
            "x-gateway-destination-endpoint": "10.6.6.6:8000",
            "x-gateway-destination-endpoint-subset": "10.6.6.6",
          },
        }),
      );
      expect(res.status).toBe(200);
      const got = h.received();
      expect(got.map((r) => r.upstream)).toEqual([0]);
      expect(got[0]!.headers["x-gateway-destination-endpoint"]).toBeUndefined();
      expect(got[0]!.headers["x-gateway-destination-endpoint-subset"]).toBeUndefined();
    },
  },
  {
    name: "a client's x-request-id is echoed to the client and sent upstream",
    async run(h) {
      const res = await h.fetch(chatRequest(h, { headers: { "x-request-id": "client-id-42" } }));
      expect(res.headers.get("x-request-id")).toBe("client-id-42");
      expect(h.received()[0]!.headers["x-request-id"]).toBe("client-id-42");
    },
  },
  {
    name: "a bad x-request-id (control character, too long) is replaced by a fresh one, on errors too",
    async run(h) {
      for (const bad of ["bad\tid", "x".repeat(300)]) {
        const res = await h.fetch(chatRequest(h, { headers: { "x-request-id": bad } }));
        const id = res.headers.get("x-request-id");
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        expect(h.received().at(-1)!.headers["x-request-id"]).toBe(id);
      }
      const refused = await h.fetch(
        chatRequest(h, { model: "no-such-model", headers: { "x-request-id": "a\tb" } }),
      );
      expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    },
  },
];

/** The SSE an "ok" upstream streams for a `stream: true` request. */
export function sseAnswer(model: string): string {
  const chunk = (content: string) =>
    `data: ${JSON.stringify({ object: "chat.completion.chunk", model, choices: [{ index: 0, delta: { content } }] })}\n\n`;
  return `${chunk("one")}${chunk(" two")}${chunk(" three")}data: [DONE]\n\n`;
}

/** The JSON an "ok" upstream answers otherwise. */
export function jsonAnswer(model: string): string {
  return JSON.stringify({
    id: "cmpl-1",
    object: "chat.completion",
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
  });
}

/** The body of a "status-500" upstream. */
export const ERROR_500_BODY = JSON.stringify({ error: { message: "engine failed", type: "server_error" } });
