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
  // While draining, HTTP/1 answers carry "Connection: close" so keep-alive clients (agents pushing
  // every 100 ms) reconnect elsewhere instead of holding this process open.
  const h1 = http.createServer((req, res) => {
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
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("readable", () => {
      const head: Buffer | null = socket.read(3) ?? socket.read();
      if (head === null) return;
      socket.unshift(head);
      (head.toString("latin1") === "PRI" ? h2 : h1).emit("connection", socket);
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
      // Keep-alive HTTP/1 connections go as soon as they are idle; in-flight requests finish first.
      const sweep = setInterval(() => h1.closeIdleConnections(), 50);
      h1.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 10_000);
      await closed;
      clearInterval(sweep);
      clearTimeout(deadline);
    },
  };
}
