/**
 * The Envoy ext_proc listener: envoy.service.ext_proc.v3.ExternalProcessor/Process over HTTP/2
 * (h2c, or TLS when a cert and key are given): gRPC framing on node:http2 (extproc-h2.ts, the default) or
 * connect-node's gRPC protocol (`--extproc-transport connect`). Carries bytes only: every decision is in
 * src/extproc.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { CloseReason, ExtProcProcessor } from "../../src/extproc/index.js";
import { ExternalProcessor } from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { handleExtProcStream } from "./extproc-h2.js";
import { guardSession, http2CodeName, resetLimitOptions } from "./extproc-resets.js";
import { log } from "./log.js";

export interface ExtProcServerOptions {
  processor: ExtProcProcessor;
  port: number;
  host: string;
  /** TLS certificate and key (PEM; what upstream Envoy configs expect by default); undefined = h2c. */
  tls?: { cert: string; key: string } | undefined;
  /** Largest gRPC message in either direction (bytes). Envoy sends bodies in chunks of ~64 KiB. */
  maxMessageBytes: number;
  shutdownSignal: AbortSignal;
  /**
   * "h2" (gRPC framing on node:http2 directly; the default) or "connect" (connect-node's gRPC protocol).
   * Same wire protocol; connect's per-call pipeline costs ~4x the CPU per request (README, "Envoy").
   */
  transport?: "connect" | "h2";
  /** HTTP/2 receive windows in bytes (RouterConfig `extproc`): per connection, and per stream. */
  windows: { connection: number; stream: number };
  /** Counts connection events (each also gets a log line); `code` is the HTTP/2 error code's name. */
  metrics?: { countExtProcConnectionEvent(event: string, code: string): void } | undefined;
}

export interface ExtProcServer {
  port: number;
  tls: boolean;
  /** Swaps the TLS certificate for new connections (open ones keep theirs); no-op on h2c. */
  setTls(material: { cert: string; key: string }): void;
  close(): Promise<void>;
}

function routes(processor: ExtProcProcessor) {
  return (router: ConnectRouter) =>
    router.service(ExternalProcessor, {
      // Replies are not 1:1 with reads: nothing until the body ends, then headers + N chunks.
      async *process(requests, ctx) {
        const session = processor.open();
        const cancel = () => session.close("cancel");
        ctx.signal.addEventListener("abort", cancel, { once: true });
        let reason: CloseReason = "end";
        try {
          for await (const req of requests) {
            yield* session.handle(req);
            // Flow control holds the request: the stream stays open until it is dispatched or dropped.
            const held = session.takeDeferred();
            if (held !== undefined) yield* await held;
          }
        } catch (err) {
          reason = "error";
          throw err;
        } finally {
          ctx.signal.removeEventListener("abort", cancel);
          session.close(ctx.signal.aborted ? "cancel" : reason);
        }
      },
    });
}

/** Starts the ext_proc listener. */
export async function startExtProcServer(o: ExtProcServerOptions): Promise<ExtProcServer> {
  const handler = connectNodeAdapter({
    grpc: true,
    connect: false,
    grpcWeb: false,
    // No gzip: clients (grpc-js, Envoy's gRPC clients) offer it, and compressing every body chunk on
    // zlib's thread pool cost ~10x in throughput and stalled streams on loopback.
    acceptCompression: [],
    routes: routes(o.processor),
    readMaxBytes: o.maxMessageBytes,
    writeMaxBytes: o.maxMessageBytes,
    shutdownSignal: o.shutdownSignal,
  });
  const tls = o.tls !== undefined;
  const direct = o.transport !== "connect";
  // Envoy multiplexes every request's stream over a few connections: node's default 10 MB per
  // session answers a busy one with ENHANCE_YOUR_CALM resets.
  // The receive windows: see RouterConfig `extproc` (Node's defaults are 64 KiB per connection).
  // The rapid-reset limit, stated so that extproc-resets.ts's bucket matches it (see there).
  const settings: http2.ServerOptions = {
    maxSessionMemory: 256,
    settings: { initialWindowSize: o.windows.stream },
    ...resetLimitOptions,
  };
  const server = tls
    ? http2.createSecureServer(
        { ...settings, cert: o.tls!.cert, key: o.tls!.key },
        direct ? undefined : handler,
      )
    : http2.createServer(settings, direct ? undefined : handler);
  if (direct) server.on("stream", handleExtProcStream(o.processor, o.maxMessageBytes));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.setLocalWindowSize(o.windows.connection);
    guardSession(s, (e, details) => {
      log(e.event === "error" ? "warn" : "info", `extproc connection ${e.event}`, {
        code: e.code,
        codeName: http2CodeName(e.code),
        remote: `${s.socket?.remoteAddress}:${s.socket?.remotePort}`,
        ...details,
      });
      o.metrics?.countExtProcConnectionEvent(e.event, http2CodeName(e.code));
    });
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    tls,
    setTls(material) {
      if (tls) (server as http2.Http2SecureServer).setSecureContext(material);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.close();
      const deadline = setTimeout(() => {
        for (const s of sessions) s.destroy();
      }, 10_000);
      await closed;
      clearTimeout(deadline);
    },
  };
}
