/**
 * Serves the HTTP router's Hono app with @hono/node-server on --http-port. Carries bytes only: the
 * app (src/http) holds every rule. Logs {"msg":"listening","service":"http","port":P}.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { DualListener } from "./dual-listener.js";
import { log } from "./log.js";

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** On close, streams still open after this long are cut (ms). Default 10000. */
  drainMs?: number;
}

/** Listens; `close()` stops accepting, lets open responses finish (up to drainMs), then cuts the rest. */
export async function startHttpServer(o: HttpServerOptions): Promise<DualListener> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: o.fetch, hostname: o.host, port: o.port }, () => resolve(s as Server)) as Server;
    s.once("error", reject);
  });
  // Long streams are the norm here: no request timeout; keep-alive a little longer than most clients'.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  log("info", "listening", { service: "http", port, host: o.host });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), o.drainMs ?? 10_000);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
