/**
 * Which headers cross the proxy. Hop-by-hop headers never do; the routing headers whose meaning the
 * router owns are dropped from the client's request so a client cannot choose its own endpoint; the
 * upstream's length/encoding headers are dropped because the body may be re-framed or rewritten.
 */
import { REQUEST_ID_HEADER } from "../request/headers.js";

/** Operator-facing response header: the endpoint ("ip:port") that served the request. */
export const ENDPOINT_HEADER = "x-inference-endpoint";
/** Operator-facing response header: how many endpoints were tried (1 = no failover). */
export const ATTEMPTS_HEADER = "x-inference-attempts";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  // The transport negotiates its own encoding; fetch would decode silently and keep the header.
  "accept-encoding",
]);

/** Routing headers a client may not set (upstream's system headers). */
const SYSTEM_PREFIX = "x-gateway-destination-endpoint";

/** The request headers to send upstream: the client's minus hop-by-hop and routing headers, plus the id. */
export function upstreamRequestHeaders(client: Headers, requestId: string): Headers {
  const out = new Headers();
  client.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || name.startsWith(SYSTEM_PREFIX)) return;
    out.set(name, value);
  });
  out.set(REQUEST_ID_HEADER, requestId);
  // Identity: no compression work on either side of a loopback hop, and nothing for fetch to decode.
  out.set("accept-encoding", "identity");
  return out;
}

const RESPONSE_DROPPED = new Set([...HOP_BY_HOP, "content-encoding"]);

/** The response headers to send the client: the upstream's minus hop-by-hop, plus where it was served. */
export function clientResponseHeaders(
  upstream: Headers,
  requestId: string,
  endpoint: string,
  attempts: number,
): Headers {
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (!RESPONSE_DROPPED.has(name)) out.set(name, value);
  });
  out.set(REQUEST_ID_HEADER, requestId);
  out.set(ENDPOINT_HEADER, endpoint);
  out.set(ATTEMPTS_HEADER, String(attempts));
  return out;
}
