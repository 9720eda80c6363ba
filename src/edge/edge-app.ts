/**
 * The edge's HTTP surface as a Hono app on Web standards: /v1/* routed to regions, GET /v1/models,
 * /healthz, and EdgeService over fetch. The Workers entry builds it once per isolate and supplies the
 * platform pieces (the Durable Object backend, request.cf, fetch).
 */
import { type Context, Hono } from "hono";
import { openAiErrorResponse, pathNotFound } from "../openai/error-body.js";
import { modelObjectFor, modelsList } from "../openai/models-list.js";
import { requestIdOf } from "../openai/request-id.js";
import { DirectoryCache } from "./directory-cache.js";
import { type EdgeConfig, pickOptionsFrom } from "./edge-config.js";
import { handleEdgeRequest, servedModels } from "./edge-request.js";
import {
  CLIENT_LOCATION_HEADER,
  createEdgeAuthInterceptor,
  createEdgeConnectHandler,
  createEdgeService,
} from "./edge-service.js";
import type { RegionBackend } from "./region-backend.js";
import { StickySessions } from "./sticky-sessions.js";

export interface EdgeAppOptions {
  config: EdgeConfig;
  /** Region storage with the sequence rule, and the session table (the Durable Object). */
  backend: RegionBackend;
  /** Bearer token pushes need; unset = pushes refused. */
  pushToken?: string | undefined;
  /** Bearer token reads need; unset = reads open. */
  readToken?: string | undefined;
  /** request.cf of a request (undefined outside Workers). */
  cf: (request: Request) => unknown;
  /** Outbound fetch; called per attempt (not captured), so a replaced global fetch is seen. */
  fetch: (request: Request) => Promise<Response>;
  /** Edge time, ms since epoch. Default Date.now. */
  now?: () => number;
}

/** The app plus the isolate state tests and benchmarks reach into. */
export interface EdgeApp {
  app: Hono;
  /** The isolate's directory cache (invalidate() to force a reload from the backend). */
  directory: DirectoryCache;
  /** The isolate's cache of session stickiness (the Durable Object holds the truth). */
  sessions: StickySessions;
}

/**
 * Builds the edge app.
 *
 * @example
 * const { app } = createEdgeApp({ config: edgeConfigFromEnv(env), backend, cf: (r) => r.cf, fetch: (r) => fetch(r) });
 * export default { fetch: app.fetch };
 */
export function createEdgeApp(o: EdgeAppOptions): EdgeApp {
  const now = o.now ?? Date.now;
  const config = o.config;
  const pickOptions = pickOptionsFrom(config);
  const directory = new DirectoryCache(() => o.backend.list(), config.DIRECTORY_TTL_MS, now);
  const sessions = new StickySessions({
    backend: o.backend,
    capacity: config.SESSION_CAPACITY,
    cacheMs: config.SESSION_CACHE_MS,
    ttlMs: config.SESSION_TTL_MS,
    now,
  });
  const deps = { config, pickOptions, directory: () => directory.get(), sessions, fetch: o.fetch, now };
  const rpc = createEdgeConnectHandler(
    createEdgeService({
      backend: o.backend,
      config,
      directory: deps.directory,
      sessions,
      now,
      onPushed: () => directory.invalidate(),
    }),
    [createEdgeAuthInterceptor(o.pushToken, o.readToken)],
  );

  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok\n"));
  const models = async () => servedModels(await directory.get(), now(), pickOptions.staleAfterMs);
  app.get("/v1/models", async () => Response.json(modelsList(await models(), now())));
  app.get("/v1/models/:id{.+}", async (c) => {
    try {
      return Response.json(modelObjectFor(await models(), c.req.param("id"), now()));
    } catch (err) {
      return openAiErrorResponse(err);
    }
  });
  app.post("/v1/*", async (c) => {
    const requestId = requestIdOf(c.req.raw.headers);
    try {
      return await handleEdgeRequest(c.req.raw, o.cf(c.req.raw), requestId, {
        ...deps,
        waitUntil: waitUntilOf(c),
      });
    } catch (err) {
      return openAiErrorResponse(err, requestId);
    }
  });
  app.all("/inferencerouter.v1.EdgeService/:method", (c) => {
    const handler = rpc.get(c.req.path);
    if (!handler) return c.text("not found\n", 404);
    // Explain locates the caller from request.cf; a client-sent copy of the header is replaced.
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_LOCATION_HEADER, JSON.stringify(o.cf(c.req.raw) ?? null));
    return handler(new Request(c.req.raw, { headers }));
  });
  app.notFound((c) => openAiErrorResponse(pathNotFound(c.req.path)));
  return { app, directory, sessions };
}

/**
 * The request's waitUntil (Workers keep the promise alive after the response); outside Workers Hono
 * has no execution context and throws on access, and the promise runs on by itself.
 */
function waitUntilOf(c: Context): (promise: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return () => {};
  }
}
