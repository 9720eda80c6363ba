/**
 * grpc.health.v1.Health on the API port, for clients and load balancers that probe the service they call
 * (grpcurl, grpc-health-probe, a gRPC LoadBalancer). The picker's probes keep their own port
 * (runtimes/node/health-server.ts, with liveness and readiness); here the API is SERVING while it
 * accepts calls, NOT_SERVING once it drains.
 */
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../gen/grpc/health/v1/health_pb.js";

export interface ApiHealthOptions {
  /** The service names answered (besides `""`, the server as a whole). */
  services: readonly string[];
  /** Whether the API accepts calls. */
  serving: () => boolean;
}

/** Registers grpc.health.v1.Health: Check, and Watch (one answer, then held until the call ends). */
export function registerApiHealth(router: ConnectRouter, o: ApiHealthOptions): void {
  const known = new Set(["", ...o.services]);
  const status = (service: string): Status => {
    if (!known.has(service))
      throw new ConnectError(
        `service "${service}" is not served here; known: ${[...known].map((s) => `"${s}"`).join(", ")}`,
        Code.NotFound,
      );
    return o.serving() ? Status.SERVING : Status.NOT_SERVING;
  };
  router.service(Health, {
    check: (req) => ({ status: status(req.service) }),
    async *watch(req, ctx) {
      yield { status: status(req.service) };
      // Serving only changes at shutdown, which ends the call: nothing more to send until then.
      if (ctx.signal.aborted) return;
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
    },
  });
}
