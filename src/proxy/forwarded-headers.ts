/**
 * Which headers cross the proxy. Hop-by-hop headers never do; the routing headers whose meaning the
 * router owns are dropped from the client's request so a client cannot choose its own endpoint; the
 * upstream's length/encoding headers are dropped because the body may be re-framed or rewritten.
 */
import { REQUEST_ID_HEADER } from "../request/headers.js";
import type { HeaderRecord, OutHeaders } from "./upstream.js";

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
  // The router answers 100-continue itself and holds the whole body before it forwards.
  "expect",
  "host",
  "content-length",
  // The transport negotiates its own encoding; fetch would decode silently and keep the header.
  "accept-encoding",
]);

/** Routing headers a client may not set (upstream's system headers). */
const SYSTEM_PREFIX = "x-gateway-destination-endpoint";

/** The request headers to send upstream: the client's minus hop-by-hop and routing headers, plus the id. */
export function upstreamRequestHeaders(client: HeaderRecord, requestId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in client) {
    const value = client[name];
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith(SYSTEM_PREFIX)) continue;
    out[name] = typeof value === "string" ? value : value.join(", ");
  }
  out[REQUEST_ID_HEADER] = requestId;
  // Identity: no compression work on either side of a loopback hop, and nothing for fetch to decode.
  out["accept-encoding"] = "identity";
  return out;
}

const RESPONSE_DROPPED = new Set([...HOP_BY_HOP, "content-encoding"]);

/** The response headers to send the client: the upstream's minus hop-by-hop, plus where it was served. */
export function clientResponseHeaders(
  upstream: HeaderRecord,
  requestId: string,
  endpoint: string,
  attempts: number,
): OutHeaders {
  const out: OutHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || RESPONSE_DROPPED.has(name)) continue;
    out[name] = typeof value === "string" ? value : [...value];
  }
  out[REQUEST_ID_HEADER] = requestId;
  out[ENDPOINT_HEADER] = endpoint;
  out[ATTEMPTS_HEADER] = String(attempts);
  return out;
}

/** A Web Headers object as a HeaderRecord (set-cookie kept apart, as HTTP stacks do). */
export function headerRecord(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}
