/**
 * The two seams of the proxy, as callbacks rather than Web objects so that a runtime can carry bytes
 * with its own HTTP stack at no cost per request: the upstream transport (one request to one
 * endpoint) and the client sink (the response the client gets). src/proxy/web.ts adapts both to
 * fetch / Response for runtimes that speak Web standards; runtimes/node implements them on node:http.
 */

/** Header values as HTTP stacks hand them over: lower-case names; repeated headers as arrays. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Response headers the proxy writes (lower-case names). */
export type OutHeaders = Record<string, string | string[]>;

/** One request to send to one endpoint. */
export interface UpstreamTarget {
  /** "ip:port" or "[v6]:port". */
  address: string;
  /** Path and query. */
  path: string;
  method: string;
  /** Already filtered (hop-by-hop and routing headers removed); the transport adds content-length. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** Time allowed to open the connection, for transports that can tell connecting from waiting. */
  connectTimeoutMs: number;
}

/**
 * What a transport reports for one request. `head` once, then `data`* and `end`; or `error` at any
 * point (before `head`: nothing was received, the proxy may try another endpoint). Nothing after
 * `end`, `error`, or the proxy's `abort()`.
 */
export interface UpstreamEvents {
  head(status: number, headers: HeaderRecord): void;
  data(chunk: Uint8Array): void;
  end(): void;
  error(cause: unknown): void;
}

/** The proxy's handle on a request in flight. */
export interface UpstreamCall {
  /** Gives the request up (closes its connection unless the response already ended); silences events. */
  abort(): void;
  /** Stops `data` events until `resume` (backpressure from a slow client). */
  pause(): void;
  resume(): void;
}

/** Sends one request; events arrive asynchronously (never from inside this call). */
export type UpstreamTransport = (target: UpstreamTarget, events: UpstreamEvents) => UpstreamCall;

/** The client's side of the response. */
export interface ClientSink {
  /** The status and headers; no content-length means the body streams (send the head now). */
  head(status: number, headers: OutHeaders): void;
  /** A body chunk; false = the client is behind, wait for `onDrain` before writing more. */
  write(chunk: Uint8Array): boolean;
  /** Ends the response, with a last chunk (or the whole body) if given. */
  end(chunk?: Uint8Array): void;
  /** Calls `resume` once, when the client has taken what was written. */
  onDrain(resume: () => void): void;
}
