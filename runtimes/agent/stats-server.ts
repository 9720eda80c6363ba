/** The agent's own tiny /metrics listener (lag and counters), off unless --metrics-port is given. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { log } from "../node/log.js";

/** Starts GET /metrics serving `render()`; logs {msg: "listening", service: "agent-metrics", port}. */
export async function startStatsServer(host: string, port: number, render: () => string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(render());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  log("info", "listening", { service: "agent-metrics", host, port: (server.address() as AddressInfo).port });
  return server;
}
