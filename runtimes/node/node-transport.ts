/**
 * The Node transport for the proxy (src/proxy/upstream.ts UpstreamTransport) on undici's dispatcher:
 * keep-alive connection pools per endpoint, a real connect timeout (fetch cannot tell connecting
 * from waiting), and the response delivered as callbacks with no stream objects in between (about
 * half the CPU of node:http's ClientRequest per request). Bytes only: retries, timeouts to the first
 * byte and idle gaps live in src/proxy.
 */
import { Agent, type Dispatcher } from "undici";
import type { UpstreamTransport } from "../../src/proxy/upstream.js";

/** undici's connect-timeout error code. */
const CONNECT_TIMEOUT = "UND_ERR_CONNECT_TIMEOUT";

/**
 * @example
 * createHttpRouter({ ..., transport: createNodeTransport() });
 */
export function createNodeTransport(): UpstreamTransport {
  // One agent per connect timeout (the setting may change on reload; normally there is one).
  const agents = new Map<number, Agent>();
  const agentFor = (connectTimeoutMs: number): Agent => {
    let agent = agents.get(connectTimeoutMs);
    if (agent === undefined) {
      agent = new Agent({
        keepAliveTimeout: 60_000,
        // Our own timeouts (first byte, idle) govern; undici's would cut long generations.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: { timeout: connectTimeoutMs },
      });
      agents.set(connectTimeoutMs, agent);
    }
    return agent;
  };
  return (target, events) => {
    let done = false;
    let dispatching = true;
    let controller: Dispatcher.DispatchController | undefined;
    let pauseWanted = false;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (done) c.abort(new Error("the proxy gave the request up"));
        else if (pauseWanted) c.pause();
      },
      onResponseStart(_c, status, headers) {
        if (!done) events.head(status, headers);
      },
      onResponseData(_c, chunk) {
        if (!done) events.data(chunk);
      },
      onResponseEnd() {
        if (done) return;
        done = true;
        events.end();
      },
      onResponseError(_c, err) {
        if (done) return;
        done = true;
        const code = (err as { code?: string }).code;
        const cause =
          code === CONNECT_TIMEOUT ? new Error(`connect timeout after ${target.connectTimeoutMs} ms`) : err;
        // undici reports a request it refuses (a header it will not send) from inside dispatch():
        // the transport contract says events never arrive from inside the call.
        if (dispatching) queueMicrotask(() => events.error(cause));
        else events.error(cause);
      },
    };
    agentFor(target.connectTimeoutMs).dispatch(
      {
        origin: `http://${target.address}`,
        path: target.path,
        method: target.method as Dispatcher.HttpMethod,
        headers: target.headers,
        body: target.body,
      },
      handler,
    );
    dispatching = false;
    return {
      abort() {
        if (done) return;
        done = true;
        controller?.abort(new Error("the proxy gave the request up"));
      },
      pause() {
        pauseWanted = true;
        controller?.pause();
      },
      resume() {
        pauseWanted = false;
        controller?.resume();
      },
    };
  };
}
