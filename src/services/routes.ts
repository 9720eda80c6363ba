/** Registers the router's Connect services on a ConnectRouter (shared by every runtime). */
import type { ConnectRouter } from "@connectrpc/connect";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { PoolStateService } from "../gen/inferencerouter/v1/pool_state_pb.js";
import { registerApiHealth } from "./api-health.js";
import { createPoolStateService, type PoolStateServiceOptions } from "./pool-state-service.js";
import { registerReflection } from "./reflection.js";
import { registerStrict } from "./strict-wire.js";

export function registerRoutes(router: ConnectRouter, opts: PoolStateServiceOptions): void {
  // Read strictly (src/services/strict-wire.ts); zero values are spelt out in JSON answers, for curl.
  registerStrict(router, PoolStateService, createPoolStateService(opts), true);
}

/**
 * Registers what gRPC tooling expects beside the API: grpc.health.v1 (PoolStateService and the server
 * SERVING while `serving()`), and server reflection (v1 and v1alpha) describing both, so `buf curl` and
 * `grpcurl` need no .proto files.
 */
export function registerIntrospection(router: ConnectRouter, serving: () => boolean): void {
  registerApiHealth(router, { services: [PoolStateService.typeName], serving });
  registerReflection(router, [PoolStateService, Health]);
}
