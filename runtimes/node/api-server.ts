/** The Connect API listener: PoolStateService for Connect, gRPC and gRPC-Web on one port (HTTP/1.1 + h2c). */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { PeerMetrics } from "../../src/metrics/peer-metrics.js";
import type { PushMetrics } from "../../src/metrics/router-metrics.js";
import type { RecentDecision } from "../../src/routing/recent-decisions.js";
import type { ExtendedRequestRouter } from "../../src/routing/request-router.js";
import { DECISIONS_PATH, decisionsAnswer } from "../../src/services/decisions-answer.js";
import { registerIntrospection, registerRoutes } from "../../src/services/routes.js";
import type { PoolStore } from "../../src/state/pool-store.js";
import type { SnapshotLimits } from "../../src/state/snapshot.js";
import { type DualListener, listenDual } from "./dual-listener.js";
import { log } from "./log.js";

export interface ApiServerOptions {
  store: PoolStore;
  port: number;
  host: string;
  limits: SnapshotLimits;
  maxMessageBytes: number;
  interceptors: Interceptor[];
  /** The request pipeline (for Explain); read on each call so config reloads take effect. */
  router: () => ExtendedRequestRouter;
  /** Aborted at shutdown: ends Watch streams so the process can drain. */
  shutdownSignal: AbortSignal;
  ready: () => boolean;
  /** Accepted pushes per source and refused pushes by code; default none. */
  metrics?: PushMetrics;
  /** The core's recent decisions for GET /ui/decisions (behind `readToken`); default: 404. */
  decisions?: () => readonly RecentDecision[];
  readToken?: string | undefined;
  /** This replica's peer id (peer reports carrying it are refused: they came from this process). */
  peerSource?: string;
  /** Peer reports received and refused, per peer; default none. */
  peerMetrics?: PeerMetrics;
}

/**
 * The pool page (runtimes/node/ui): committed static files, read once at start. The URL resolves the
 * same from the sources and from cli.bundle.mjs, which sit in the same directory.
 */
const UI_DIR = new URL("./ui/", import.meta.url);
const UI_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/ui": { file: "index.html", type: "text/html; charset=utf-8" },
  "/ui/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/ui/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/ui/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};
let uiCache: Map<string, Buffer> | undefined;

/** Serves a page file; false when `path` is not one. */
function serveUi(path: string, method: string | undefined, res: ServerResponse): boolean {
  const entry = UI_FILES[path];
  if (entry === undefined || (method !== "GET" && method !== "HEAD")) return false;
  uiCache ??= new Map();
  let body = uiCache.get(entry.file);
  if (body === undefined) {
    body = readFileSync(new URL(entry.file, UI_DIR));
    uiCache.set(entry.file, body);
  }
  res.writeHead(200, {
    "content-type": entry.type,
    "content-length": body.length,
    "cache-control": "no-cache",
    // Same-origin only: the page talks to this API and loads nothing else.
    "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'",
    "x-content-type-options": "nosniff",
  });
  res.end(method === "HEAD" ? undefined : body);
  return true;
}

const PUSH_METHODS = new Set(["PushSnapshot", "StreamSnapshots"]);

/** Connect's wire name of a code ("invalid_argument"), as clients and logs spell it. */
function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(
    /[A-Z]/g,
    (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase(),
  );
}

/** Counts refused pushes by code; outermost, so a push the auth interceptor refuses counts too. */
function refusedPushCounter(metrics: PushMetrics): Interceptor {
  return (next) => async (req) => {
    if (!PUSH_METHODS.has(req.method.name)) return next(req);
    try {
      return await next(req);
    } catch (err) {
      metrics.countRefusedPush(codeName(ConnectError.from(err).code));
      throw err;
    }
  };
}

/** The Connect service's peer-report hooks feeding the peer metrics. */
function peerHooks(m: PeerMetrics) {
  return {
    onPeerReport: (source: string) => m.received(source),
    onPeerRefused: (source: string, code: Code) => m.refused(source, code),
  };
}

/**
 * Services any caller may use, read token or not: a probe or `grpcurl list` carries no token, and they
 * tell nothing about the pools (health status, the schema).
 */
const OPEN_SERVICES = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

/** Skips `interceptor` for the {@link OPEN_SERVICES}. */
function exceptOpenServices(interceptor: Interceptor): Interceptor {
  return (next) => {
    const intercepted = interceptor(next);
    return (req) => (OPEN_SERVICES.has(req.service.typeName) ? next(req) : intercepted(req));
  };
}

export async function startApiServer(opts: ApiServerOptions): Promise<DualListener> {
  const handler = connectNodeAdapter({
    routes: (router) => {
      registerRoutes(router, {
        store: opts.store,
        limits: opts.limits,
        router: opts.router,
        ...(opts.peerSource !== undefined ? { peerSource: opts.peerSource } : {}),
        ...(opts.peerMetrics ? peerHooks(opts.peerMetrics) : {}),
        onPush: (pool, source, sequence, endpoints) => {
          opts.metrics?.countPush(pool, source);
          log("debug", "snapshot accepted", { pool, source, sequence, endpoints });
        },
      });
      // Health and reflection: `buf curl` / `grpcurl` without .proto files, gRPC probes of the API.
      registerIntrospection(router, () => !opts.shutdownSignal.aborted);
    },
    readMaxBytes: opts.maxMessageBytes,
    // No gzip: clients such as grpc-js offer it on every call, and compressing a 100 ms push stream
    // of small snapshots costs more CPU than the bytes it saves in-cluster.
    acceptCompression: [],
    // Zero values (stale: false, waitingRequests: 0) are spelled out in JSON answers: easier to read with curl.
    jsonOptions: { alwaysEmitImplicit: true },
    writeMaxBytes: 64 * 1024 * 1024,
    interceptors: [
      ...(opts.metrics ? [refusedPushCounter(opts.metrics)] : []),
      ...opts.interceptors.map(exceptOpenServices),
    ],
    shutdownSignal: opts.shutdownSignal,
    fallback: (req, res) => {
      const path = (req.url ?? "").split("?")[0];
      if (path === "/healthz" || path === "/readyz") {
        const ok = path === "/healthz" || opts.ready();
        res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" });
        res.end(ok ? "ok\n" : "not ready\n");
        return;
      }
      if (serveUi(path ?? "", req.method, res as ServerResponse)) return;
      if (path === DECISIONS_PATH && req.method === "GET" && opts.decisions) {
        const a = decisionsAnswer(opts.decisions, req.headers.authorization ?? null, opts.readToken);
        res.writeHead(a.status, a.headers);
        res.end(a.body);
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    },
  });
  return listenDual(handler, opts.port, opts.host);
}
