/**
 * The failover loop: try the ordered endpoints of a pick until one answers with a response head
 * that is neither 5xx nor 429, within `maxAttempts`. Retries happen only before the first response
 * byte (nothing has reached the client yet); the lease moves with the attempt.
 */
import { RouterError } from "../core/errors.js";
import type { Lease } from "../state/in-flight.js";
import type { Endpoint } from "../state/types.js";
import type { ProxyOptions, UpstreamFetch } from "./proxy-options.js";

/** Takes an in-flight lease on another endpoint of the pool (PoolStore.acquire satisfies it). */
export type AcquireLease = (pool: string, address: string, tokens: number) => Lease | undefined;

/** One request to place on one of `endpoints`. */
export interface AttemptPlan {
  pool: string;
  endpoints: readonly Endpoint[];
  /** Lease on endpoints[0] (from the pick). */
  lease: Lease | undefined;
  /** Tokens a new lease counts (prompt + expected output). */
  tokens: number;
  /** Path and query to request on the endpoint, e.g. "/v1/chat/completions". */
  path: string;
  method: string;
  headers: Headers;
  body: Uint8Array | null;
  /** The client's disconnect. */
  clientSignal: AbortSignal;
}

/** The attempt that produced the response the client gets. */
export interface AttemptResult {
  response: Response;
  endpoint: Endpoint;
  /** Endpoints tried, this one included. */
  attempts: number;
  /** Lease on `endpoint`; the caller releases it when the response ends. */
  lease: Lease | undefined;
  /** Aborts this attempt's upstream request (use when the client goes or the stream is abandoned). */
  abort: (reason?: unknown) => void;
  /** Stops watching the client's signal once the exchange is over (aborting a finished one would cut a keep-alive connection). */
  detach: () => void;
}

/** Why an attempt ended without a usable response head. */
type Failure = { kind: "connect"; error: unknown } | { kind: "timeout" } | { kind: "client" };

const retryable = (status: number): boolean => status >= 500 || status === 429;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

/**
 * Runs the failover loop. Resolves with the first acceptable response (or the last endpoint's 5xx /
 * 429 as it is); rejects with RouterError BadGateway (no endpoint could be reached), DeadlineExceeded
 * (first-byte timeout: not retried, the engine may be working on it) or a client abort (`Internal`
 * with field "client"). Every lease not handed back in the result is released.
 */
export async function runAttempts(
  plan: AttemptPlan,
  options: ProxyOptions,
  transport: UpstreamFetch,
  acquire: AcquireLease,
): Promise<AttemptResult> {
  const limit = Math.min(options.maxAttempts, plan.endpoints.length);
  let lease = plan.lease;
  let lastError = "";
  for (let i = 0; i < limit; i++) {
    const endpoint = plan.endpoints[i]!;
    if (i > 0) {
      lease?.release();
      lease = acquire(plan.pool, endpoint.address, plan.tokens);
    }
    const controller = new AbortController();
    let failure: Failure | undefined;
    const onClient = () => {
      failure = { kind: "client" };
      controller.abort(plan.clientSignal.reason);
    };
    if (plan.clientSignal.aborted) onClient();
    else plan.clientSignal.addEventListener("abort", onClient, { once: true });
    const timer = setTimeout(() => {
      failure = { kind: "timeout" };
      controller.abort(new Error("first byte timeout"));
    }, options.firstByteTimeoutMs);
    let response: Response | undefined;
    try {
      response = await transport(`http://${endpoint.address}${plan.path}`, {
        method: plan.method,
        headers: plan.headers,
        body: plan.body,
        signal: controller.signal,
        connectTimeoutMs: options.connectTimeoutMs,
      });
    } catch (error) {
      failure ??= { kind: "connect", error };
    } finally {
      clearTimeout(timer);
    }
    const last = i === limit - 1;
    if (response !== undefined && (last || !retryable(response.status)) && failure === undefined) {
      const detach = () => plan.clientSignal.removeEventListener("abort", onClient);
      return {
        response,
        endpoint,
        attempts: i + 1,
        lease,
        abort: (reason) => {
          detach();
          controller.abort(reason);
        },
        detach,
      };
    }
    plan.clientSignal.removeEventListener("abort", onClient);
    if (response !== undefined) {
      // A retryable status before the first byte reached the client: drop its body, try the next one.
      lastError = `${endpoint.address} answered ${response.status}`;
      response.body?.cancel().catch(() => {});
      if (failure === undefined) continue;
    }
    if (failure?.kind === "client") {
      lease?.release();
      throw new RouterError("Internal", "the client went away", "client");
    }
    if (failure?.kind === "timeout") {
      lease?.release();
      throw new RouterError(
        "DeadlineExceeded",
        `${endpoint.address} sent no response within ${options.firstByteTimeoutMs} ms (proxy.firstByteTimeoutMs)`,
      );
    }
    lastError = `${endpoint.address}: ${describe(failure?.kind === "connect" ? failure.error : undefined)}`;
  }
  lease?.release();
  throw new RouterError(
    "BadGateway",
    `no endpoint could be reached after ${limit} attempt${limit === 1 ? "" : "s"} (last: ${lastError})`,
  );
}
