/** Registers the router's Connect services on a ConnectRouter (shared by every runtime). */
import type { ConnectRouter } from "@connectrpc/connect";
import { PoolStateService } from "../gen/inferencerouter/v1/pool_state_pb.js";
import { createPoolStateService, type PoolStateServiceOptions } from "./pool-state-service.js";
import { registerStrict } from "./strict-wire.js";

export function registerRoutes(router: ConnectRouter, opts: PoolStateServiceOptions): void {
  // Read strictly (src/services/strict-wire.ts); zero values are spelt out in JSON answers, for curl.
  registerStrict(router, PoolStateService, createPoolStateService(opts), true);
}
