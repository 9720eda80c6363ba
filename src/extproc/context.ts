/** What an ext_proc session needs from the rest of the router; `createExtProcProcessor` fills it. */
import type { Clock } from "../core/clock.js";
import type { RequestMetrics } from "../metrics/request-metrics.js";
import type { RequestRouter } from "../routing/types.js";
import type { Lease } from "../state/in-flight.js";
import type { BodyMode } from "./response-tap.js";

/** The metrics calls a session makes: the one request-metrics interface (RouterMetrics satisfies it). */
export type ExtProcMetrics = RequestMetrics;

/** Takes in-flight leases (PoolStore satisfies it). */
export interface LeaseSource {
  acquire(pool: string, address: string, tokens: number): Lease | undefined;
}

/** Shared context of every session of one processor; sessions only read it (a reload may change `maxBodyBytes`). */
export interface ExtProcContext {
  router: RequestRouter;
  /**
   * Not read by sessions any more: a lease moves to the served endpoint with `Lease.moveTo`. Optional
   * so the processor can stop passing it.
   */
  leases?: LeaseSource;
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
