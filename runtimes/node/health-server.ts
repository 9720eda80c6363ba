/**
 * grpc.health.v1.Health (Check and Watch) on its own h2c port, as Envoy and Kubernetes probe the
 * upstream picker. Two answers: `liveness` is SERVING while the process answers, so a
 * pod no agent pushes to yet is not restarted; every readiness name is SERVING once `ready()` says so
 * (config loaded and a snapshot for the pool arrived).
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../src/gen/grpc/health/v1/health_pb.js";

/** The service name health checks ask about (upstream's picker registers this one). */
export const EXT_PROC_SERVICE = "envoy.service.ext_proc.v3.ExternalProcessor";

/** Upstream's liveness probe service: the process is up. */
export const LIVENESS_SERVICE = "liveness";

/**
 * Service names answered with readiness, as upstream's pickers do: `readiness` (the endpoint picker
 * protocol's), `inference-extension` (the conformance picker's probes), the ext_proc service (Envoy's
 * health check) and `""` (the server as a whole).
 */
export const READINESS_SERVICES: readonly string[] = [
  "",
  "readiness",
  "inference-extension",
  EXT_PROC_SERVICE,
];

export interface HealthServerOptions {
  port: number;
  host: string;
  /** Whether the picker can serve (config loaded and a snapshot arrived). */
  ready: () => boolean;
  /** Calls back when readiness may have changed; returns the unsubscribe function. */
  onChange: (listener: () => void) => () => void;
  shutdownSignal: AbortSignal;
}

function routes(o: HealthServerOptions) {
  const status = (service: string): Status => {
    // Alive while it answers, draining included: a restart would cut the streams being drained.
    if (service === LIVENESS_SERVICE) return Status.SERVING;
    if (!READINESS_SERVICES.includes(service)) return Status.SERVICE_UNKNOWN;
    return o.ready() && !o.shutdownSignal.aborted ? Status.SERVING : Status.NOT_SERVING;
  };
  return (router: ConnectRouter) =>
    router.service(Health, {
      check(req) {
        const s = status(req.service);
        if (s === Status.SERVICE_UNKNOWN)
          throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
        return { status: s };
      },
      async *watch(req, ctx) {
        let wake: (() => void) | undefined;
        let dirty = true;
        const poke = () => {
          dirty = true;
          wake?.();
        };
        const off = o.onChange(poke);
        ctx.signal.addEventListener("abort", poke, { once: true });
        try {
          let last: Status | undefined;
          while (!ctx.signal.aborted) {
            if (!dirty) {
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
              continue;
            }
            dirty = false;
            const now = status(req.service);
            if (now !== last) {
              last = now;
              yield { status: now };
            }
          }
        } finally {
          off();
          ctx.signal.removeEventListener("abort", poke);
        }
      },
    });
}

/** Starts the health listener (cleartext HTTP/2). */
export async function startHealthServer(
  o: HealthServerOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const handler = connectNodeAdapter({
    grpc: true,
    connect: false,
    grpcWeb: false,
    acceptCompression: [],
    routes: routes(o),
    shutdownSignal: o.shutdownSignal,
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.destroy();
      await closed;
    },
  };
}
