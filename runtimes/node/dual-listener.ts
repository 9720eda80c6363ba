/**
 * One TCP port serving HTTP/1.1 and cleartext HTTP/2 (h2c with prior knowledge): the first bytes of a
 * connection decide. An HTTP/2 client opens with the preface "PRI * HTTP/2.0", which no HTTP/1
 * request line can start with.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

type Handler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface DualListener {
  port: number;
  /** Stops accepting, closes idle connections, and resolves when all connections have ended. */
  close(): Promise<void>;
}

export async function listenDual(handler: Handler, port: number, host: string): Promise<DualListener> {
  let draining = false;
  // HTTP/1 requests in progress per socket. Node's closeIdleConnections misses sockets that never
  // sent a request (clients pre-connect), so draining destroys every socket with none in progress,
  // and answers carry "Connection: close" so keep-alive pushers (every 100 ms) let go.
  const active = new Map<net.Socket, number>();
  const h1 = http.createServer((req, res) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const left = (active.get(socket) ?? 1) - 1;
      active.set(socket, left);
      if (draining && left === 0) socket.destroy();
    });
    if (draining) res.setHeader("connection", "close");
    handler(req, res);
  });
  const h2 = http2.createServer(
    {},
    handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const sockets = new Set<net.Socket>();
  const h2Sockets = new WeakSet<net.Socket>();
  const isH2 = (socket: net.Socket) => h2Sockets.has(socket);
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      active.delete(socket);
    });
    socket.once("readable", () => {
      const head: Buffer | null = socket.read(3) ?? socket.read();
      if (head === null) return;
      socket.unshift(head);
      if (head.toString("latin1") === "PRI") {
        h2Sockets.add(socket);
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => resolve());
  });
  const address = tcp.address() as net.AddressInfo;
  return {
    port: address.port,
    async close() {
      draining = true;
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const s of sessions) s.close();
      // HTTP/1 sockets with no request in progress go now (h2 sockets close with their session).
      for (const socket of sockets) if ((active.get(socket) ?? 0) === 0 && !isH2(socket)) socket.destroy();
      const sweep = setInterval(() => h1.closeIdleConnections(), 50);
      const deadline = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 10_000);
      await closed;
      clearInterval(sweep);
      clearTimeout(deadline);
    },
  };
}

/** Listen failures the operator fixes by choosing another port, with the words a person reads. */
const PORT_PROBLEMS: Record<string, string> = {
  EADDRINUSE: "address in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
};

/**
 * The error to print when a listener could not bind: names the setting that chose the port (`flag`,
 * e.g. "--http-port") and the way out, or undefined when `err` is not about the port.
 */
export function portProblem(err: unknown, flag: string, port: number): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" ? PORT_PROBLEMS[code] : undefined;
  if (reason === undefined) return undefined;
  return `${flag} ${port}: ${reason} (${code}); choose another port or 0`;
}
