/**
 * Forwards a routed request (a RouteDecision) to its endpoints and builds the client's Response:
 * failover before the first byte, streamed SSE or buffered JSON on the way back, usage tapped, the
 * model mapped back, and the lease and metrics settled exactly once on every path.
 */
import { RouterError } from "../core/errors.js";
import type { RouterMetrics } from "../metrics/router-metrics.js";
import { tapJsonResponse } from "../request/usage-tap.js";
import type { RouteDecision } from "../routing/types.js";
import { type AcquireLease, type AttemptResult, runAttempts } from "./attempts.js";
import { readWhole } from "./buffered-body.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "./forwarded-headers.js";
import { type ProxyOptions, platformFetch, type UpstreamFetch } from "./proxy-options.js";
import { sseBody } from "./sse-body.js";
import type { StreamOutcome } from "./stream-outcome.js";

/** The metrics calls the proxy makes (RouterMetrics satisfies it). */
export type ProxyMetrics = Pick<
  RouterMetrics,
  "recordRequest" | "recordError" | "recordUsage" | "recordRequestEnd"
>;

/** Construction options of {@link createProxy}. */
export interface CreateProxyOptions {
  options: ProxyOptions;
  /** Leases on fallback endpoints (PoolStore.acquire). */
  acquire: AcquireLease;
  /** Default: the platform's fetch. */
  transport?: UpstreamFetch;
  metrics?: ProxyMetrics;
  /** Monotonic ms clock for durations. Default performance.now. */
  now?: () => number;
  /** Told about every finished request (logs). */
  onOutcome?: (decision: RouteDecision, outcome: StreamOutcome & { endpoint?: string }) => void;
}

/** The client's side of one request. */
export interface ClientRequest {
  /** Path and query, e.g. "/v1/chat/completions". */
  path: string;
  method: string;
  headers: Headers;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
}

export interface InferenceProxy {
  /**
   * Forwards and returns the client's Response. Throws RouterError (BadGateway, DeadlineExceeded, or
   * Internal with field "client" when the client left first); the lease is released before it throws.
   */
  forward(decision: RouteDecision, client: ClientRequest): Promise<Response>;
}

const isEventStream = (headers: Headers): boolean =>
  (headers.get("content-type") ?? "").startsWith("text/event-stream");

/**
 * @example
 * const proxy = createProxy({ options: proxyOptionsFromConfig(cfg), acquire: (p, a, t) => store.acquire(p, a, t) });
 * return await proxy.forward(routing.router.route(input), { path, method, headers, signal });
 */
export function createProxy(c: CreateProxyOptions): InferenceProxy {
  const transport = c.transport ?? platformFetch;
  const now = c.now ?? (() => performance.now());
  const metrics = c.metrics;

  return {
    async forward(d, client) {
      const started = now();
      metrics?.recordRequest(d.clientModel, d.targetModel, d.body.length);
      let settled = false;
      let attempt: AttemptResult | undefined;
      const settle = (outcome: StreamOutcome) => {
        if (settled) return;
        settled = true;
        attempt?.detach();
        attempt?.lease?.release();
        if (outcome.usage !== undefined) metrics?.recordUsage(d.clientModel, d.targetModel, outcome.usage);
        if (outcome.error) metrics?.recordError(d.clientModel, d.targetModel, outcome.error.code);
        const done = outcome.status === "completed";
        metrics?.recordRequestEnd(
          d.clientModel,
          d.targetModel,
          done
            ? { durationSeconds: (now() - started) / 1000, responseBytes: outcome.responseBytes }
            : undefined,
        );
        const endpoint = attempt?.endpoint.address;
        c.onOutcome?.(d, endpoint === undefined ? outcome : { ...outcome, endpoint });
      };
      try {
        attempt = await runAttempts(
          {
            pool: d.pool,
            endpoints: d.endpoints,
            lease: d.lease,
            tokens: d.lease?.tokens ?? d.promptTokens + d.maxTokens,
            path: client.path,
            method: client.method,
            headers: upstreamRequestHeaders(client.headers, d.requestId),
            body: d.body,
            clientSignal: client.signal,
          },
          c.options,
          transport,
          c.acquire,
        );
      } catch (err) {
        const e = RouterError.from(err);
        const cancelled = e.field === "client";
        settle({
          status: cancelled ? "cancelled" : "failed",
          responseBytes: 0,
          usage: undefined,
          ...(cancelled ? {} : { error: { code: e.code, message: e.message } }),
        });
        throw e;
      }
      const { response, endpoint, attempts, abort } = attempt;
      const headers = clientResponseHeaders(response.headers, d.requestId, endpoint.address, attempts);
      const mapping = { from: d.targetModel, to: d.clientModel };
      if (response.ok && isEventStream(response.headers) && response.body !== null) {
        const body = sseBody({
          upstream: response.body,
          mapping,
          idleTimeoutMs: c.options.idleTimeoutMs,
          abort,
          onOutcome: settle,
        });
        return new Response(body, { status: response.status, headers });
      }
      let bytes: Uint8Array;
      try {
        bytes = await readWhole(response.body, c.options.idleTimeoutMs, abort);
      } catch (err) {
        const e = RouterError.from(err);
        const cancelled = client.signal.aborted;
        settle({
          status: cancelled ? "cancelled" : "failed",
          responseBytes: 0,
          usage: undefined,
          ...(cancelled ? {} : { error: { code: e.code, message: e.message } }),
        });
        throw cancelled ? new RouterError("Internal", "the client went away", "client") : e;
      }
      const tapped = tapJsonResponse(bytes, mapping);
      // The engine's own error (4xx, or a 5xx/429 on the last attempt) reaches the client as it is.
      if (!response.ok) metrics?.recordError(d.clientModel, d.targetModel, String(response.status));
      settle({
        status: response.ok ? "completed" : "failed",
        responseBytes: tapped.body.length,
        usage: tapped.usage,
      });
      return new Response(tapped.body as Uint8Array<ArrayBuffer>, { status: response.status, headers });
    },
  };
}
