/**
 * Serves the HTTP router's Hono app with @hono/node-server on --http-port. Carries bytes only: the
 * app (src/http) holds every rule. Logs {"msg":"listening","service":"http","port":P}.
 */
import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
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
  // Open responses per connection: Node's closeIdleConnections misses connections that never sent a
  // request (clients pre-connect) and ones whose response was cut, so draining tracks them itself.
  const active = new Map<Socket, number>();
  let draining = false;
  server.on("connection", (socket: Socket) => {
    active.set(socket, 0);
    socket.once("close", () => active.delete(socket));
  });
  server.on("request", (req, res) => {
    const socket = req.socket; // res.socket is already detached when "close" fires
    active.set(socket, (active.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const left = (active.get(socket) ?? 1) - 1;
      active.set(socket, left);
      // Unfinished (client gone, stream cut): the connection's framing is broken, end it.
      if (!res.writableFinished || (draining && left === 0)) socket.destroy();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log("info", "listening", { service: "http", port, host: o.host });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        draining = true;
        const cut = setTimeout(() => {
          log("warn", "cutting responses still open after the drain time", { service: "http" });
          server.closeAllConnections();
        }, o.drainMs ?? 10_000);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        for (const [socket, n] of active) if (n === 0) socket.destroy();
      }),
  };
}
