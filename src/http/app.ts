/**
 * The OpenAI-compatible HTTP router as a Hono app on Web standards only: the inference routes go
 * through the shared request pipeline and the proxy; the rest is models, health and metrics. Served
 * by @hono/node-server in runtimes/node; any fetch-style runtime could serve it.
 */
import { Hono } from "hono";
import type { InferenceProxy } from "../proxy/proxy.js";
import type { ExtendedRequestRouter } from "../routing/request-router.js";
import type { ApiKind } from "../routing/types.js";
import { modelsList } from "./models-list.js";
import { notFoundResponse, openAiErrorResponse } from "./openai-error.js";
import { readBody } from "./read-body.js";
import { requestIdOf } from "./request-id.js";

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  /** The current request pipeline (config reloads swap it, so it is read per request). */
  router: () => ExtendedRequestRouter;
  proxy: InferenceProxy;
  /** Largest request body (bytes); larger is 413. Read per request (reloads may change it). Default 32 MiB. */
  limits?: { readonly maxBodyBytes: number };
  /** Prometheus text for /metrics; without it /metrics is 404. */
  metricsText?: () => string;
  /** Readiness for /readyz (false while draining). Default: always ready. */
  ready?: () => boolean;
  /** Observes errors answered before forwarding (routing refusals, bad bodies). */
  onError?: (requestId: string, response: Response) => void;
}

/** Inference paths and the OpenAI API each one carries. */
export const inferenceRoutes: Readonly<Record<string, ApiKind>> = {
  "/v1/completions": "completions",
  "/v1/chat/completions": "chat",
  "/v1/embeddings": "embeddings",
  "/v1/responses": "responses",
};

/**
 * @example
 * const app = createHttpApp({ router: () => routing.router, proxy });
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createHttpApp(o: HttpAppOptions): Hono {
  const app = new Hono();
  const limits = o.limits ?? { maxBodyBytes: 32 * 1024 * 1024 };

  for (const [path, kind] of Object.entries(inferenceRoutes)) {
    app.post(path, async (c) => {
      const request = c.req.raw;
      const requestId = requestIdOf(request.headers);
      try {
        const body = await readBody(request, limits.maxBodyBytes);
        const decision = o.router().route({ requestId, headers: request.headers, body, kind });
        const url = new URL(request.url);
        return await o.proxy.forward(decision, {
          path: url.pathname + url.search,
          method: "POST",
          headers: request.headers,
          signal: request.signal,
        });
      } catch (err) {
        const response = openAiErrorResponse(err, requestId);
        o.onError?.(requestId, response);
        return response;
      }
    });
  }

  app.get("/v1/models", (c) => c.json(modelsList(o.router().models(), Date.now())));
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", (c) => (o.ready?.() === false ? c.text("draining", 503) : c.text("ok")));
  if (o.metricsText !== undefined) {
    const text = o.metricsText;
    app.get("/metrics", (c) => c.text(text(), 200, { "content-type": "text/plain; version=0.0.4" }));
  }
  app.notFound((c) => notFoundResponse(c.req.path));
  return app;
}
