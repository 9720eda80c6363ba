/**
 * A reference point for the proxy benchmark, not a product: the least a Node 20 reverse proxy can do
 * per request (node:http in, node:http out on a keep-alive agent, bodies piped, no parsing, no
 * routing). It shows how much of the gap to nginx is Node's HTTP stack itself.
 * Run: node --import tsx test/bench/proxy-bare-node.ts <upstream port>  (prints "listening <port>").
 */
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

const upstream = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer((req, res) => {
  const out = request(
    { host: "127.0.0.1", port: upstream, path: req.url, method: req.method, headers: req.headers, agent },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on("error", () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on("SIGTERM", () => process.exit(0));
