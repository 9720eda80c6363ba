/** What an ext_proc session needs from the rest of the router; `createExtProcProcessor` fills it. */
import type { Clock } from "../core/clock.js";
import type { RequestMetrics } from "../metrics/request-metrics.js";
import type { RequestRouter } from "../routing/types.js";
import type { BodyBudget } from "../state/body-budget.js";
import type { BodyMode } from "./response-tap.js";

/** Shared context of every session of one processor; sessions only read it (a reload may change `maxBodyBytes`). */
export interface ExtProcContext {
  router: RequestRouter;
  /** Pool the picker serves; undefined = chosen by the router from the model. */
  pool: string | undefined;
  /** An endpoint for a request without a body (ready and fresh preferred), as "ip:port"; undefined = none. */
  anyEndpoint(subset: readonly string[] | undefined): string | undefined;
  metrics: RequestMetrics | undefined;
  clock: Clock;
  generateId(): string;
  bodyMode: BodyMode;
  maxBodyBytes: number;
  /** The router-wide budget of buffered request-body bytes (the core's); undefined = none. */
  bodyBudget: BodyBudget | undefined;
  /** Most endpoints listed per pick; undefined = all the picker returns. */
  maxEndpoints: number | undefined;
}
