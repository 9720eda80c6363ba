/**
 * Serves the HTTP router on --http-port: the inference routes straight from node:http into the
 * shared handler (src/http/inference.ts: no Web Request/Response/streams per request, which cost
 * ~4x a bare Node proxy), everything else through the Hono app with @hono/node-server. Carries
 * bytes only: src/http holds every rule. Logs {"msg":"listening","service":"http","port":P}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { type InferenceHandlerOptions, InferenceRequest, inferenceKind } from "../../src/http/inference.js";
import type { ClientSink, OutHeaders } from "../../src/proxy/upstream.js";
import type { DualListener } from "./dual-listener.js";
import { log } from "./log.js";

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Every route but the inference ones (models, health, metrics, 404). */
  fetch: (request: Request) => Response | Promise<Response>;
  /** The inference routes; without it they go through `fetch` too. */
  inference?: InferenceHandlerOptions;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** On close, streams still open after this long are cut (ms). Default 10000. */
  drainMs?: number;
}

/** Listens; `close()` stops accepting, lets open responses finish (up to drainMs), then cuts the rest. */
export async function startHttpServer(o: HttpServerOptions): Promise<DualListener> {
  const rest = getRequestListener(o.fetch);
  const inference = o.inference;
  // Open responses per connection: Node's closeIdleConnections misses connections that never sent a
  // request (clients pre-connect) and ones whose response was cut, so draining tracks them itself.
  const active = new Map<Socket, number>();
  let draining = false;
  /** A response closed: count it off its connection; end the connection if the response was cut. */
  const closed = (socket: Socket, res: ServerResponse) => {
    const left = (active.get(socket) ?? 1) - 1;
    active.set(socket, left);
    // Unfinished (client gone, stream cut): the connection's framing is broken, end it.
    if (!res.writableFinished || (draining && left === 0)) socket.destroy();
  };
  // One listener and one "close" handler per request: each extra listener is an emit (and a listener
  // array copy) on every request.
  const server = createServer((req, res) => {
    const socket = req.socket; // res.socket is already detached when "close" fires
    active.set(socket, (active.get(socket) ?? 0) + 1);
    const kind = inference === undefined ? undefined : inferenceKind(req.method, req.url);
    if (kind === undefined || inference === undefined) {
      res.once("close", () => closed(socket, res));
      return void rest(req, res);
    }
    serveInference(inference, req, res, kind, socket, closed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Long streams are the norm here: no request timeout; keep-alive a little longer than most clients'.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.on("connection", (socket: Socket) => {
    active.set(socket, 0);
    socket.once("close", () => active.delete(socket));
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

/** Where the per-request state rides on the IncomingMessage (read by the shared listeners below). */
const STATE = Symbol("inference request");

type Carrier = IncomingMessage & { [STATE]?: NodeInference };

/**
 * One inference request on node:http: the client's response as a ClientSink, and what the shared
 * listeners need (a class, and listeners that find it through `this`: no closures per request).
 */
class NodeInference implements ClientSink {
  readonly #res: ServerResponse;
  readonly socket: Socket;
  readonly closed: (socket: Socket, res: ServerResponse) => void;
  request!: InferenceRequest;
  /** False once the handler refused the body: the rest is read and dropped. */
  reading = true;

  constructor(res: ServerResponse, socket: Socket, closed: (socket: Socket, res: ServerResponse) => void) {
    this.#res = res;
    this.socket = socket;
    this.closed = closed;
  }

  head(status: number, headers: OutHeaders): void {
    this.#res.writeHead(status, headers);
    // A streamed answer: send the head now, the first token may be a while.
    if (headers["content-length"] === undefined) this.#res.flushHeaders();
  }

  write(chunk: Uint8Array): boolean {
    return this.#res.write(chunk);
  }

  end(chunk?: Uint8Array): void {
    if (chunk === undefined) this.#res.end();
    else this.#res.end(chunk);
  }

  onDrain(resume: () => void): void {
    this.#res.once("drain", resume);
  }
}

function onData(this: Carrier, chunk: Buffer): void {
  const n = this[STATE]!;
  if (n.reading && !n.request.data(chunk)) n.reading = false;
}

function onEnd(this: Carrier): void {
  const n = this[STATE]!;
  if (n.reading) n.request.end();
}

function onClose(this: ServerResponse): void {
  const n = (this.req as Carrier)[STATE]!;
  if (!this.writableFinished) n.request.cancel();
  n.closed(n.socket, this);
}

function serveInference(
  o: InferenceHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  kind: NonNullable<ReturnType<typeof inferenceKind>>,
  socket: Socket,
  closed: (socket: Socket, res: ServerResponse) => void,
): void {
  const n = new NodeInference(res, socket, closed);
  (req as Carrier)[STATE] = n;
  n.request = new InferenceRequest(o, { path: req.url ?? "/", kind, headers: req.headers }, n);
  req.on("data", onData);
  req.on("end", onEnd);
  // "close" comes once: `on`, not `once` (which wraps the listener in a closure).
  res.on("close", onClose);
}
