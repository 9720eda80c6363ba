/**
 * The Node transport for the proxy (src/proxy/upstream.ts UpstreamTransport over node:http): a
 * keep-alive agent, a real connect timeout (fetch cannot tell connecting from waiting), events
 * straight from the IncomingMessage with no Web objects in between. Bytes only: retries, timeouts to
 * the first byte and idle gaps live in src/proxy.
 */
import { Agent, type IncomingMessage, request } from "node:http";
import { splitAddress, UpstreamConnectError, type UpstreamTransport } from "../../src/proxy/upstream.js";

/**
 * @example
 * createHttpRouter({ ..., transport: createNodeTransport() });
 */
export function createNodeTransport(): UpstreamTransport {
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 1024, scheduling: "lifo" });
  return (target, events) => {
    const [host, port] = splitAddress(target.address);
    const headers: Record<string, string> = {
      ...target.headers,
      "content-length": String(target.body.length),
    };
    const req = request({ agent, host, port, path: target.path, method: target.method, headers });
    let done = false;
    let res: IncomingMessage | undefined;
    req.once("socket", (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => req.destroy(new UpstreamConnectError(`connect timeout after ${target.connectTimeoutMs} ms`)),
        target.connectTimeoutMs,
      );
      socket.once("connect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });
    req.once("response", (r) => {
      res = r;
      if (done) return;
      events.head(r.statusCode ?? 502, r.headers);
      r.on("data", (chunk: Buffer) => {
        if (!done) events.data(chunk);
      });
      r.once("end", () => {
        if (done) return;
        done = true;
        events.end();
      });
      r.on("error", () => {}); // reported through "close" below
      r.once("close", () => {
        if (done || r.complete) return;
        done = true;
        events.error(new Error("the upstream connection closed before the response ended"));
      });
    });
    req.on("error", (err) => {
      if (done) return;
      done = true;
      events.error(err);
    });
    req.end(target.body);
    return {
      abort() {
        if (done) return;
        done = true;
        req.destroy();
      },
      pause() {
        res?.pause();
      },
      resume() {
        res?.resume();
      },
    };
  };
}
