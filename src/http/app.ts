/**
 * The OpenAI-compatible HTTP router as a Hono app on Web standards only: the inference routes drive
 * the shared handler (src/http/inference.ts) from a Web Request; the rest is models, health and
 * metrics. runtimes/node serves the inference routes straight from node:http (same handler) and the
 * rest through this app; any fetch-style runtime can serve all of it.
 */
import { Hono } from "hono";
import type { ApiKind } from "../openai/api-kind.js";
import { openAiErrorResponse, pathNotFound } from "../openai/error-body.js";
import { modelObjectFor, modelsList } from "../openai/models-list.js";
import { headerRecord } from "../proxy/forwarded-headers.js";
import { responseSink } from "../proxy/web.js";
import { type InferenceHandlerOptions, InferenceRequest, inferenceRoutes } from "./inference.js";

export { inferenceRoutes } from "./inference.js";

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions extends InferenceHandlerOptions {
  /** Prometheus text for /metrics; without it /metrics is 404. */
  metricsText?: () => string;
  /** Readiness for /readyz (false while draining). Default: always ready. */
  ready?: () => boolean;
}

/** Status 499 (nginx's "client closed request"): answered to a client that is gone, read by no one. */
const CLIENT_CLOSED_STATUS = 499;

/** Serves one inference request from a Web Request. */
function serveInference(
  o: InferenceHandlerOptions,
  request: Request,
  head: { path: string; kind: ApiKind },
): Promise<Response> {
  const { sink, response, onCancel, settle } = responseSink();
  const req = new InferenceRequest(o, { ...head, headers: headerRecord(request.headers) }, sink);
  const cancel = () => {
    req.cancel();
    settle(new Response(null, { status: CLIENT_CLOSED_STATUS }));
  };
  onCancel(cancel);
  request.signal.addEventListener("abort", cancel, { once: true });
  // Not awaited: an answer given before the body is complete (408 for a body that trickles, 413, 503)
  // must reach the client while its upload still hangs.
  void readBody(req, request.body, cancel);
  return response;
}

/** Feeds the request body to the handler, then ends it. */
async function readBody(
  req: InferenceRequest,
  body: ReadableStream<Uint8Array> | null,
  cancel: () => void,
): Promise<void> {
  try {
    if (body !== null) {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!req.data(value)) {
          reader.cancel().catch(() => {});
          break;
        }
      }
    }
  } catch {
    cancel(); // the client's upload broke: it is gone
  }
  req.end();
}

/**
 * @example
 * const app = createHttpApp({ router: () => routing.router, proxy, limits: { maxBodyBytes: 1 << 25 } });
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createHttpApp(o: HttpAppOptions): Hono {
  const app = new Hono();
  for (const [path, kind] of Object.entries(inferenceRoutes)) {
    app.post(path, (c) => {
      const url = new URL(c.req.url);
      return serveInference(o, c.req.raw, { path: url.pathname + url.search, kind });
    });
  }

  app.get("/v1/models", (c) => c.json(modelsList(o.router().models(), Date.now())));
  app.get("/v1/models/:id{.+}", (c) => {
    try {
      return c.json(modelObjectFor(o.router().models(), c.req.param("id"), Date.now()));
    } catch (err) {
      return openAiErrorResponse(err);
    }
  });
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", (c) => (o.ready?.() === false ? c.text("draining", 503) : c.text("ok")));
  if (o.metricsText !== undefined) {
    const text = o.metricsText;
    app.get("/metrics", (c) => c.text(text(), 200, { "content-type": "text/plain; version=0.0.4" }));
  }
  app.notFound((c) => openAiErrorResponse(pathNotFound(c.req.path)));
  return app;
}
