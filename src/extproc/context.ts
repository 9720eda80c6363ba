/** What an ext_proc session needs from the rest of the router; `createExtProcProcessor` fills it. */
import type { Clock } from "../core/clock.js";
import type { TokenUsage } from "../metrics/router-metrics.js";
import type { RequestRouter } from "../routing/types.js";
import type { Lease } from "../state/in-flight.js";
import type { BodyMode } from "./response-tap.js";

/** The metrics calls a session makes (RouterMetrics satisfies it). */
export interface ExtProcMetrics {
  recordRequest(model: string, targetModel: string, requestBytes: number): void;
  recordError(model: string, targetModel: string, code: string): void;
  recordUsage(model: string, targetModel: string, usage: TokenUsage): void;
  recordRequestEnd(
    model: string,
    targetModel: string,
    completed?: { durationSeconds: number; responseBytes: number },
  ): void;
}

/** Takes in-flight leases (PoolStore satisfies it); used to move a lease to the endpoint Envoy served. */
export interface LeaseSource {
  acquire(pool: string, address: string, tokens: number): Lease | undefined;
}

/** Shared context of every session of one processor; sessions only read it (a reload may change `maxBodyBytes`). */
export interface ExtProcContext {
  router: RequestRouter;
  leases: LeaseSource;
  /** Pool the picker serves; undefined = chosen by the router from the model. */
  pool: string | undefined;
  /** An endpoint for a request without a body (ready and fresh preferred), as "ip:port"; undefined = none. */
  anyEndpoint(subset: readonly string[] | undefined): string | undefined;
  metrics: ExtProcMetrics | undefined;
  clock: Clock;
  generateId(): string;
  bodyMode: BodyMode;
  maxBodyBytes: number;
}
