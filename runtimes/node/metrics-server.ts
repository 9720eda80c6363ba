/**
 * Prometheus /metrics plus /healthz and /readyz on plain HTTP/1.1. /metrics carries the router's
 * metrics and this process's (CPU, memory, event loop, GC: process-metrics.ts).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PROMETHEUS_CONTENT_TYPE } from "../../src/metrics/exposition.js";
import { startProcessMetrics } from "./process-metrics.js";

export interface MetricsServerOptions {
  port: number;
  host: string;
  /** The router's text exposition (the process metrics are appended). */
  expose: () => string;
  ready: () => boolean;
  /** Leave the process metrics out (default false). */
  noProcessMetrics?: boolean;
}

/** Starts the metrics listener. */
export async function startMetricsServer(
  o: MetricsServerOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const processMetrics = o.noProcessMetrics ? undefined : startProcessMetrics();
  const expose = () => o.expose() + (processMetrics?.registry.expose() ?? "");
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": PROMETHEUS_CONTENT_TYPE }).end(expose());
      return;
    }
    if (path === "/healthz" || path === "/readyz") {
      const ok = path === "/healthz" || o.ready();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "not ready\n");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => {
      processMetrics?.stop();
      reject(err);
    });
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      processMetrics?.stop();
      await closed;
    },
  };
}
