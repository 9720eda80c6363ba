/**
 * The ext_proc processor: opens one session per Envoy stream, keeps the open ones, and expires
 * sessions older than the safety timeout so a stream Envoy never closes cannot hold a count forever.
 */

import { DEFAULT_MAX_BODY_BYTES } from "../api/router-config.js";
import type { Clock } from "../core/clock.js";
import type { RequestMetrics } from "../metrics/request-metrics.js";
import type { RequestRouter } from "../routing/types.js";
import type { BodyBudget } from "../state/body-budget.js";
import type { ExtProcContext } from "./context.js";
import type { BodyMode } from "./response-tap.js";
import { ExtProcSession } from "./session.js";

/** The routing the picker needs (the router core satisfies it). */
export interface ExtProcRouter extends RequestRouter {
  /** An endpoint for a request without a body: ready, in the subset, fresh preferred; any pool when undefined. */
  anyEndpoint(pool: string | undefined, subset: readonly string[] | undefined): string | undefined;
  /** The router-wide budget of buffered request-body bytes, shared with the HTTP router (the core's). */
  readonly bodyBudget?: BodyBudget;
}

export interface ExtProcOptions {
  router: ExtProcRouter;
  /** Pool the picker serves (upstream: one pool per picker). Undefined = the router picks by model. */
  pool?: string;
  clock: Clock;
  metrics?: RequestMetrics;
  /** Request ids when the request has no x-request-id. Default: crypto.randomUUID. */
  generateId?: () => string;
  /** Envoy's body mode for both directions. Default FULL_DUPLEX_STREAMED. */
  bodyMode?: BodyMode;
  /** Most endpoints listed per pick (primary + fallbacks). Default: all the picker returns. */
  maxEndpoints?: number | undefined;
  /** Largest request body accepted, and largest response body buffered for rewriting (bytes). Default 32 MiB. */
  maxBodyBytes?: number;
  /** Sessions older than this are closed by `sweep` (ms). Default 600,000 (10 min). */
  sessionTimeoutMs?: number;
}

export interface ExtProcProcessor {
  /** A session for a new stream. */
  open(): ExtProcSession;
  /** Sessions still open. */
  readonly active: number;
  /** Closes sessions older than the timeout (releasing their leases); returns how many. Call on an interval. */
  sweep(): number;
  /** Closes every open session (shutdown). */
  closeAll(): void;
  /** A new request-body limit (config reload); applies to the body chunks that arrive from now on. */
  setMaxBodyBytes(bytes: number): void;
  /** Most endpoints listed per pick from now on (config reload); undefined = all the picker returns. */
  setMaxEndpoints(count: number | undefined): void;
}

/**
 * @example
 * const processor = createExtProcProcessor({ router: core, pool: "pool-a", clock });
 * const session = processor.open();
 * for (const reply of session.handle(request)) send(reply);
 * session.close("end");
 */
export function createExtProcProcessor(o: ExtProcOptions): ExtProcProcessor {
  const open = new Set<ExtProcSession>();
  const timeout = o.sessionTimeoutMs ?? 600_000;
  const { router, pool } = o;
  const ctx: ExtProcContext = {
    router,
    pool,
    anyEndpoint: (subset) => router.anyEndpoint(pool, subset),
    metrics: o.metrics,
    clock: o.clock,
    generateId: o.generateId ?? (() => crypto.randomUUID()),
    bodyMode: o.bodyMode ?? "FULL_DUPLEX_STREAMED",
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    bodyBudget: router.bodyBudget,
    maxEndpoints: o.maxEndpoints,
  };
  const onClose = (s: ExtProcSession) => open.delete(s);
  return {
    open() {
      const s = new ExtProcSession(ctx, onClose);
      open.add(s);
      return s;
    },
    get active() {
      return open.size;
    },
    sweep() {
      const cutoff = o.clock.now() - timeout;
      let n = 0;
      for (const s of open) {
        if (s.startedAt > cutoff) continue;
        s.close("timeout");
        n++;
      }
      return n;
    },
    closeAll() {
      for (const s of open) s.close("cancel");
    },
    setMaxBodyBytes(bytes) {
      ctx.maxBodyBytes = bytes;
    },
    setMaxEndpoints(count) {
      ctx.maxEndpoints = count;
    },
  };
}
