/**
 * Options of the forwarding proxy, with their defaults (RouterConfig `spec.proxy`'s), and
 * the fetch-shaped transport (src/proxy/web.ts adapts it to the callback seam of src/proxy/upstream.ts).
 */
import { type RouterConfig, routerDefaults } from "../api/router-config.js";

/** What the proxy hands to the transport for one attempt. */
export interface UpstreamInit {
  method: string;
  headers: Headers;
  body: Uint8Array | null;
  /** Aborted on client disconnect, first-byte timeout, or when the proxy gives the attempt up. */
  signal: AbortSignal;
  /** Transports that can tell connecting from waiting honour this (ms); `fetch` ignores it. */
  connectTimeoutMs: number;
}

/**
 * Sends one request upstream; resolves when the response head arrives. Any rejection before the head
 * is treated as a connection failure (nothing reached the client, so the next endpoint may be tried).
 */
export type UpstreamFetch = (url: string, init: UpstreamInit) => Promise<Response>;

/** Forwarding settings (milliseconds). */
export interface ProxyOptions {
  /** Time allowed to open the connection (transports that support it). Default 2000. */
  connectTimeoutMs: number;
  /** Time from sending to the response head. Default 60000. */
  firstByteTimeoutMs: number;
  /** Longest silence between response chunks. Default 60000. */
  idleTimeoutMs: number;
  /** Endpoints tried per request, first pick included. Default 3. */
  maxAttempts: number;
}

/** The defaults of {@link ProxyOptions}: RouterConfig `spec.proxy`'s, stated in src/api/router-config.ts. */
export const defaultProxyOptions: Readonly<ProxyOptions> = { ...routerDefaults.proxy };

/** ProxyOptions from a RouterConfig (its `proxy` section is already validated and defaulted). */
export function proxyOptionsFromConfig(config: Pick<RouterConfig, "proxy">): ProxyOptions {
  const { connectTimeoutMs, firstByteTimeoutMs, idleTimeoutMs, maxAttempts } = config.proxy;
  return { connectTimeoutMs, firstByteTimeoutMs, idleTimeoutMs, maxAttempts };
}

/** The default transport: the platform's fetch, without decompression surprises (identity encoding). */
export const platformFetch: UpstreamFetch = (url, init) =>
  fetch(url, {
    method: init.method,
    headers: init.headers,
    // TS types a Uint8Array over a possibly shared buffer as no BodyInit; ours are never shared.
    body: init.body as Uint8Array<ArrayBuffer> | null,
    signal: init.signal,
    redirect: "manual",
  });
