import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";

const upstream = Number(process.argv[2]);
const agent = new Agent({ keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });
const origin = `http://127.0.0.1:${upstream}`;
const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    const body = Buffer.concat(parts);
    const headers: Record<string, string> = { "content-type": "application/json" };
    const out: Buffer[] = [];
    let status = 0;
    let h: Record<string, string | string[] | undefined> = {};
    agent.dispatch(
      { origin, path: req.url!, method: "POST", headers, body },
      {
        onRequestStart() {},
        onResponseStart(_c, s, hs) {
          status = s;
          h = hs as typeof h;
        },
        onResponseData(_c, chunk) {
          out.push(chunk);
        },
        onResponseEnd() {
          const b = Buffer.concat(out);
          res.writeHead(status, {
            "content-type": String(h["content-type"]),
            "content-length": String(b.length),
          });
          res.end(b);
        },
        onResponseError() {
          res.writeHead(502);
          res.end();
        },
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on("SIGTERM", () => process.exit(0));
