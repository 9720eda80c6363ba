import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeTransport } from "../../../runtimes/node/node-transport.js";
import type { HeaderRecord, UpstreamEvents, UpstreamTarget } from "../../../src/proxy/upstream.js";

let server: Server;
let port: number;
const seen: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(201, { "content-type": "application/json", "x-a": "1" });
      res.write('{"part":');
      setTimeout(() => res.end("1}"), 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Records what the transport reports, and whether anything came before the call returned. */
function recorder() {
  const log: string[] = [];
  let returned = false;
  let early = false;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const events: UpstreamEvents = {
    head(status: number, headers: HeaderRecord) {
      if (!returned) early = true;
      log.push(`head ${status} ${headers["x-a"]}`);
    },
    data(chunk) {
      log.push(`data ${new TextDecoder().decode(chunk)}`);
    },
    end() {
      log.push("end");
      done();
    },
    error(cause) {
      if (!returned) early = true;
      log.push(`error ${(cause as { code?: string }).code ?? (cause as Error).name}`);
      done();
    },
  };
  const markReturned = () => {
    returned = true;
  };
  return { log, events, finished, returned: markReturned, early: () => early };
}

const target = (over: Partial<UpstreamTarget> = {}): UpstreamTarget => ({
  address: `127.0.0.1:${port}`,
  path: "/v1/chat/completions?x=1",
  method: "POST",
  headers: { "content-type": "application/json", "x-request-id": "r1" },
  body: new TextEncoder().encode('{"model":"m"}'),
  connectTimeoutMs: 1000,
  ...over,
});

describe("createNodeTransport (undici)", () => {
  const transport = createNodeTransport();

  it("sends path, headers and body, and reports head, each chunk and the end", async () => {
    const r = recorder();
    transport(target(), r.events);
    r.returned();
    await r.finished;
    expect(r.log).toEqual(["head 201 1", 'data {"part":', "data 1}", "end"]);
    expect(seen.at(-1)).toMatchObject({
      body: '{"model":"m"}',
      headers: { "x-request-id": "r1", "content-length": "13" },
    });
  });

  it("reports a refused connection as an error", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = recorder();
    transport(target({ address: `127.0.0.1:${deadPort}` }), r.events);
    r.returned();
    await r.finished;
    expect(r.log).toEqual(["error ECONNREFUSED"]);
  });

  it("reports a request undici refuses to send after the call returns, never from inside it", async () => {
    const r = recorder();
    transport(target({ headers: { expect: "100-continue" } }), r.events);
    r.returned();
    await r.finished;
    expect(r.early()).toBe(false);
    expect(r.log).toEqual(["error UND_ERR_NOT_SUPPORTED"]);
  });

  it("stays silent after abort", async () => {
    const r = recorder();
    const call = transport(target(), r.events);
    call.abort();
    await new Promise((res) => setTimeout(res, 50));
    expect(r.log).toEqual([]);
  });
});
