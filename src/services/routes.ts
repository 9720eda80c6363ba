/** Registers the router's Connect services on a ConnectRouter (shared by every runtime). */
import type { ConnectRouter } from "@connectrpc/connect";
import { PoolStateService } from "../gen/inferencerouter/v1/pool_state_pb.js";
import { createPoolStateService, type PoolStateServiceOptions } from "./pool-state-service.js";

export function registerRoutes(router: ConnectRouter, opts: PoolStateServiceOptions): void {
  router.service(PoolStateService, createPoolStateService(opts));
}
