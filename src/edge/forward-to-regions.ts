/**
 * Forwards one buffered request to regions in order with fetch. A region that refuses the
 * connection, times out before its response headers, or answers a retryable status (the forwarding
 * policy, src/proxy/forward-policy.ts) is skipped for the next one, as long as nothing has reached the client yet (which is always the case here: the decision
 * is taken on the status line). The chosen response's body stream is handed on untouched (SSE
 * included); the last region's error response is passed through when every region failed that way.
 */
import { RouterError } from "../core/errors.js";
import {
  connectionListed,
  forwardsRequestHeader,
  forwardsResponseHeader,
  isRetryableStatus,
} from "../proxy/forward-policy.js";

/** Where to send: a region's name and its base URL (no trailing slash). */
export interface ForwardTarget {
  region: string;
  baseUrl: string;
}

/** The request, with its body already read (it may be sent more than once). */
export interface ForwardRequest {
  method: string;
  /** Path and query, e.g. "/v1/chat/completions?x=1". */
  pathAndQuery: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer> | null;
  /** The client's abort signal. */
  signal?: AbortSignal | undefined;
}

export interface ForwardOptions {
  /** The fetch to use (read at call time, so tests can replace the global one). */
  fetch: (request: Request) => Promise<Response>;
  /** Longest wait for one region's response headers (ms). */
  firstByteTimeoutMs: number;
}

/** What happened with one region. */
export interface ForwardAttempt {
  region: string;
  /** "ok", "status 503", "timeout", "connect error: ...". */
  outcome: string;
}

export interface ForwardResult {
  response: Response;
  /** Region whose response is returned. */
  region: string;
  attempts: ForwardAttempt[];
}

/** Response header naming the region that answered. */
export const EDGE_REGION_HEADER = "x-edge-region";

/**
 * Request headers worth sending on: the forwarding policy's (src/proxy/forward-policy.ts: no
 * hop-by-hop, framing or routing headers), minus Cloudflare's own (cf-*) and the edge's region header.
 */
export function forwardableHeaders(headers: Headers): Headers {
  const out = new Headers();
  const listed = connectionListed(headers.get("connection"));
  headers.forEach((value, name) => {
    if (!forwardsRequestHeader(name) || listed.has(name)) return;
    if (name.startsWith("cf-") || name === EDGE_REGION_HEADER) return;
    out.append(name, value);
  });
  return out;
}

/** The client's response headers: the upstream's by the forwarding policy, plus the region that answered. */
function clientHeaders(upstream: Headers, region: string): Headers {
  const out = new Headers();
  const listed = connectionListed(upstream.get("connection"));
  upstream.forEach((value, name) => {
    if (forwardsResponseHeader(name) && !listed.has(name)) out.append(name, value);
  });
  out.set(EDGE_REGION_HEADER, region);
  return out;
}

/**
 * Tries `targets` in order.
 * @throws RouterError("BadGateway") when no region answered at all (every one failed to connect or timed out).
 */
export async function forwardToRegions(
  targets: readonly ForwardTarget[],
  req: ForwardRequest,
  o: ForwardOptions,
): Promise<ForwardResult> {
  const attempts: ForwardAttempt[] = [];
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i]!;
    const last = i === targets.length - 1;
    const abort = new AbortController();
    const onClientAbort = () => abort.abort(req.signal?.reason);
    req.signal?.addEventListener("abort", onClientAbort);
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Raced rather than trusted to the abort alone: the timeout holds even where a fetch
    // implementation does not pass the abort on.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        abort.abort(new Error("first-byte timeout"));
        reject(new Error("first-byte timeout"));
      }, o.firstByteTimeoutMs);
    });
    let upstream: Response;
    try {
      const attempt = o.fetch(
        new Request(target.baseUrl + req.pathAndQuery, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          signal: abort.signal,
          redirect: "manual",
        }),
      );
      // A late answer after the timeout is discarded.
      attempt.then(
        (late) => {
          if (timedOut) late.body?.cancel().catch(() => undefined);
        },
        () => undefined,
      );
      upstream = await Promise.race([attempt, timeout]);
    } catch (err) {
      req.signal?.removeEventListener("abort", onClientAbort);
      if (req.signal?.aborted) throw err;
      attempts.push({
        region: target.region,
        outcome: timedOut ? "timeout" : `connect error: ${messageOf(err)}`,
      });
      continue;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (isRetryableStatus(upstream.status) && !last) {
      attempts.push({ region: target.region, outcome: `status ${upstream.status}` });
      req.signal?.removeEventListener("abort", onClientAbort);
      await upstream.body?.cancel().catch(() => undefined);
      continue;
    }
    attempts.push({
      region: target.region,
      outcome: isRetryableStatus(upstream.status) ? `status ${upstream.status}` : "ok",
    });
    const headers = clientHeaders(upstream.headers, target.region);
    const response = new Response(upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers,
    });
    return { response, region: target.region, attempts };
  }
  const tried = attempts.map((a) => `${a.region} (${a.outcome})`).join(", ");
  throw new RouterError("BadGateway", `no region answered: ${tried || "no region to try"}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
