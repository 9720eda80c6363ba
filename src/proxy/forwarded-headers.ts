/**
 * The proxy's header records in both directions, by the one forwarding policy
 * (src/proxy/forward-policy.ts), plus what the proxy adds: the request id and where it was served.
 */
import { REQUEST_ID_HEADER } from "../request/headers.js";
import { connectionListed, forwardsRequestHeader, forwardsResponseHeader } from "./forward-policy.js";
import type { HeaderRecord, OutHeaders } from "./upstream.js";

/** Operator-facing response header: the endpoint ("ip:port") that served the request. */
export const ENDPOINT_HEADER = "x-inference-endpoint";
/** Operator-facing response header: how many endpoints were tried (1 = no failover). */
export const ATTEMPTS_HEADER = "x-inference-attempts";

/**
 * The names a Connection header lists, or undefined when it lists nothing that is not already
 * hop-by-hop: the usual "keep-alive" / "close" needs no parsing on every request.
 */
function listedBeyondHopByHop(connection: string | readonly string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  if (typeof connection === "string") {
    const v = connection.length <= 10 ? connection.toLowerCase() : "";
    if (v === "keep-alive" || v === "close") return undefined;
  }
  return connectionListed(connection);
}

/** The request headers to send upstream: the client's minus hop-by-hop and routing headers, plus the id. */
export function upstreamRequestHeaders(client: HeaderRecord, requestId: string): Record<string, string> {
  const out: Record<string, string> = {};
  const listed = listedBeyondHopByHop(client.connection);
  for (const name in client) {
    const value = client[name];
    if (value === undefined || !forwardsRequestHeader(name) || listed?.has(name)) continue;
    out[name] = typeof value === "string" ? value : value.join(", ");
  }
  out[REQUEST_ID_HEADER] = requestId;
  // Identity: no compression work on either side of a loopback hop, and nothing for fetch to decode.
  out["accept-encoding"] = "identity";
  return out;
}

/** The response headers to send the client: the upstream's minus hop-by-hop, plus where it was served. */
export function clientResponseHeaders(
  upstream: HeaderRecord,
  requestId: string,
  endpoint: string,
  attempts: number,
): OutHeaders {
  const out: OutHeaders = {};
  const listed = listedBeyondHopByHop(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || !forwardsResponseHeader(name) || listed?.has(name)) continue;
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
