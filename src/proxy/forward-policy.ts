/**
 * The forwarding rules both forwarders follow (the HTTP router's proxy, src/proxy/exchange.ts, and the
 * edge's, src/edge/forward-to-regions.ts): which answers before the first byte send the request on to
 * the next fallback, and which headers cross the hop in each direction.
 */

/**
 * Whether an upstream's answer, seen before anything reached the client, sends the request to the
 * next fallback: 5xx (the server failed) and 429 (it is overloaded: another one may not be). Any
 * other status is the answer. Connect errors are retried too; a first-byte timeout is not (the
 * server may be working on it).
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** Error codes (Node's system errors, undici's) that mean the connection itself failed, in words. */
const CONNECTION_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ECONNABORTED: "connection aborted",
  EPIPE: "connection closed while sending",
  EHOSTUNREACH: "host unreachable",
  EHOSTDOWN: "host down",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connect timed out",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CLOSED: "connection closed",
};

/**
 * What a transport error says about the endpoint, when it is a connection failure (refused, reset,
 * unreachable, connect timeout): the words for the 502 message. Undefined for anything else (a
 * request the transport refused to send, our own abort): the endpoint is not to blame. Looks at the
 * error's `code`, and its `cause`'s (fetch wraps the system error in a TypeError).
 */
export function connectionFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const own = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  for (const code of [own, cause?.code]) {
    if (typeof code === "string" && Object.hasOwn(CONNECTION_FAILURES, code)) {
      return `${CONNECTION_FAILURES[code]} (${code})`;
    }
  }
  // runtimes/node/node-transport.ts words undici's connect timeout itself.
  return error.message.startsWith("connect timeout") ? error.message : undefined;
}

/** Hop-by-hop headers (RFC 9110 section 7.6.1, plus the de-facto keep-alive and proxy-connection). */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Request headers the forwarder sets itself or must not pass on, besides the hop-by-hop ones. */
const REQUEST_DROPPED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  // The forwarder answers 100-continue itself and holds the whole body before it forwards.
  "expect",
  "host",
  "content-length",
  // The transport negotiates its own encoding; fetch would decode silently and keep the header.
  "accept-encoding",
  // Disaggregated serving: only the router names a prefill endpoint (src/scheduling/disagg-headers.ts).
  "x-prefiller-host-port",
]);

/** Response headers dropped: the body is re-framed (and fetch transports have decoded it already). */
const RESPONSE_DROPPED: ReadonlySet<string> = new Set([...HOP_BY_HOP, "content-length", "content-encoding"]);

/**
 * Routing headers a client may not set (upstream's system headers: the destination and its
 * `-subset` / `-served` forms), so a client cannot choose its own endpoint.
 */
export const SYSTEM_HEADER_PREFIX = "x-gateway-destination-endpoint";

/** Whether a header is hop-by-hop (never forwarded in either direction). Lower-case name. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/** Whether a client's request header (lower-case name) is sent upstream. */
export function forwardsRequestHeader(name: string): boolean {
  return !REQUEST_DROPPED.has(name) && !name.startsWith(SYSTEM_HEADER_PREFIX);
}

/** Whether an upstream's response header (lower-case name) is sent to the client. */
export function forwardsResponseHeader(name: string): boolean {
  return !RESPONSE_DROPPED.has(name);
}

/**
 * Names a `Connection` header lists: hop-by-hop for this message too (RFC 9110 section 7.6.1).
 * Lower-case; empty when the header is absent.
 */
export function connectionListed(connection: string | readonly string[] | null | undefined): Set<string> {
  const out = new Set<string>();
  if (connection === null || connection === undefined) return out;
  const values = typeof connection === "string" ? [connection] : connection;
  for (const value of values)
    for (const token of value.split(",")) {
      const name = token.trim().toLowerCase();
      if (name !== "") out.add(name);
    }
  return out;
}
