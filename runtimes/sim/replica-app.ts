/** The HTTP face of one simulated replica: OpenAI routes, /v1/models, /health and vLLM /metrics. */
import type { HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { RouterError } from "../../src/core/errors.js";
import { PREFILLER_HOST_PORT_HEADER } from "../../src/scheduling/disagg-headers.js";
import { parseSimRequest, type SimRequestKind } from "../../src/sim/openai-request.js";
import { formatVllmMetrics } from "../../src/sim/vllm-metrics-text.js";
import { errorResponse, generate } from "./generation.js";
import { remotePrefill } from "./remote-prefill.js";
import { isReady, type ReplicaState } from "./replica-state.js";

/** Builds the Hono app of one replica. Every response names the replica (x-sim-replica, x-sim-address). */
export function createReplicaApp(s: ReplicaState): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use(async (c, next) => {
    await next();
    c.res.headers.set("x-sim-replica", String(s.index));
    c.res.headers.set("x-sim-address", s.address);
  });

  const served = (model: string) =>
    s.models === undefined || s.models.includes(model) || s.adapters.has(model);

  const completion =
    (kind: SimRequestKind) => async (c: import("hono").Context<{ Bindings: HttpBindings }>) => {
      if (s.removedAt !== undefined) s.requestsAfterRemoval++;
      if (!isReady(s))
        return errorResponse(503, "ServiceUnavailableError", "the engine is starting (--slow-start-ms)");
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return errorResponse(400, "BadRequestError", "the body is not valid JSON");
      }
      let req: ReturnType<typeof parseSimRequest>;
      try {
        req = parseSimRequest(kind, body);
      } catch (err) {
        return errorResponse(400, "BadRequestError", RouterError.from(err).message);
      }
      if (!served(req.model))
        return errorResponse(404, "NotFoundError", `The model \`${req.model}\` does not exist.`);
      const cut = () => c.env.outgoing.destroy();
      const prefiller = c.req.header(PREFILLER_HOST_PORT_HEADER);
      if (prefiller !== undefined && prefiller !== "" && s.role !== "prefill") {
        const path = kind === "chat" ? "/v1/chat/completions" : "/v1/completions";
        const prefilled = await remotePrefill(s, prefiller, path, body, c.req.raw.signal);
        const res = await generate(s, req, c.req.raw.signal, cut, prefilled);
        res.headers.set("x-sim-prefilled-by", prefilled ? prefiller : "local");
        return res;
      }
      return generate(s, req, c.req.raw.signal, cut);
    };
  app.post("/v1/completions", completion("completion"));
  app.post("/v1/chat/completions", completion("chat"));

  app.get("/v1/models", (c) => {
    const created = Math.floor(Date.now() / 1000);
    const base = s.models ?? [s.modelName];
    const data = [
      ...base.map((id) => ({ id, object: "model", created, owned_by: "sim", root: id, parent: null })),
      ...[...s.adapters].map((id) => ({
        id,
        object: "model",
        created,
        owned_by: "sim",
        root: id,
        parent: base[0],
      })),
    ];
    return c.json({ object: "list", data });
  });
  app.get("/health", (c) => (isReady(s) ? c.body(null, 200) : c.body(null, 503)));
  app.get("/metrics", (c) => {
    const text = formatVllmMetrics({
      modelName: s.modelName,
      metrics: s.rt.engine.metrics(),
      ttft: s.ttft,
      tpot: s.tpot,
      e2e: s.e2e,
      nowSeconds: Date.now() / 1000,
    });
    return c.body(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  app.notFound(() => errorResponse(404, "NotFoundError", "no such route"));
  return app;
}
