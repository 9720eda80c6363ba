/**
 * The Node transport for the proxy (src/proxy/upstream.ts UpstreamTransport) on undici's dispatcher:
 * keep-alive connection pools per endpoint, a real connect timeout (fetch cannot tell connecting
 * from waiting), and the response delivered as callbacks with no stream objects in between (about
 * half the CPU of node:http's ClientRequest per request). Bytes only: retries, timeouts to the first
 * byte and idle gaps live in src/proxy.
 */
import { Agent, type Dispatcher } from "undici";
import type { UpstreamCall, UpstreamEvents, UpstreamTransport } from "../../src/proxy/upstream.js";

/** undici's connect-timeout error code. */
const CONNECT_TIMEOUT = "UND_ERR_CONNECT_TIMEOUT";

/** Why the proxy gave a request up (one error object: an abort is not an exceptional path). */
const GIVEN_UP = new Error("the proxy gave the request up");

/**
 * One request: undici's handler and the proxy's handle on it in one object (a class: no closures
 * made per request).
 */
class UndiciCall implements Dispatcher.DispatchHandler, UpstreamCall {
  readonly #events: UpstreamEvents;
  readonly #connectTimeoutMs: number;
  #done = false;
  #dispatching = true;
  #controller: Dispatcher.DispatchController | undefined;
  #pauseWanted = false;

  constructor(events: UpstreamEvents, connectTimeoutMs: number) {
    this.#events = events;
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  /** dispatch() returned: events may now be reported as they come. */
  dispatched(): void {
    this.#dispatching = false;
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.#done) c.abort(GIVEN_UP);
    else if (this.#pauseWanted) c.pause();
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (!this.#done) this.#events.head(status, headers);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#done) this.#events.data(chunk);
  }

  onResponseEnd(): void {
    if (this.#done) return;
    this.#done = true;
    this.#events.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.#done) return;
    this.#done = true;
    const code = (err as { code?: string }).code;
    const cause =
      code === CONNECT_TIMEOUT ? new Error(`connect timeout after ${this.#connectTimeoutMs} ms`) : err;
    // undici reports a request it refuses (a header it will not send) from inside dispatch():
    // the transport contract says events never arrive from inside the call.
    if (this.#dispatching) queueMicrotask(() => this.#events.error(cause));
    else this.#events.error(cause);
  }

  abort(): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller?.abort(GIVEN_UP);
  }

  pause(): void {
    this.#pauseWanted = true;
    this.#controller?.pause();
  }

  resume(): void {
    this.#pauseWanted = false;
    this.#controller?.resume();
  }
}

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
    const call = new UndiciCall(events, target.connectTimeoutMs);
    agentFor(target.connectTimeoutMs).dispatch(
      {
        origin: `http://${target.address}`,
        path: target.path,
        method: target.method as Dispatcher.HttpMethod,
        headers: target.headers,
        body: target.body,
      },
      call,
    );
    call.dispatched();
    return call;
  };
}
