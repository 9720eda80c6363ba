/** Registers the router's Connect services on a ConnectRouter (shared by every runtime). */
import type { ConnectRouter } from "@connectrpc/connect";
import { PoolStateService } from "../gen/inferencerouter/v1/pool_state_pb.js";
import { createPoolStateService, type PoolStateServiceOptions } from "./pool-state-service.js";
import { refuseMalformedBinary, strictWireOptions } from "./strict-wire.js";

export function registerRoutes(router: ConnectRouter, opts: PoolStateServiceOptions): void {
  const impl = createPoolStateService(opts);
  // Method by method: each reads its JSON against its own input message (src/services/strict-wire.ts).
  for (const method of PoolStateService.methods) {
    router.rpc(method, impl[method.localName as keyof typeof impl] as never, strictWireOptions(method.input));
    // ConnectRouter has no hook between the bytes and its decoder: wrap the handler rpc() just added.
    const last = router.handlers.length - 1;
    router.handlers[last] = refuseMalformedBinary(router.handlers[last]!, method.input);
  }
}
