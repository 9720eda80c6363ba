/**
 * Flow control's in-flight eviction (`enableEviction: true`) through the real CLI, at both doors (the
 * HTTP router, and ext_proc with grpc-js as Envoy on both transports): a sheddable request is in
 * flight, a push shows the pool full, a critical request arrives: the sheddable one is evicted with
 * upstream's answer (429, `x-llm-d-request-dropped-reason: evicted`, ImmediateResponse body `request
 * evicted by flow control`) and the critical one is served. The upstream is a small OpenAI-shaped
 * server on 127.0.0.1 that holds "hold-*" requests open and records what reaches it and what was cut.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ExtProcCall,
  extProcClient,
  type Msg,
  requestBody,
  requestHeaders,
  responseHeaders,
  setHeaders,
} from "./extproc-client.js";
import { extprocTransports, POST, type PoolApi, poolApi, pushPool } from "./helpers/extproc-picker.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";
import { until } from "./http-router-helpers.js";

const REASON = "x-llm-d-request-dropped-reason";

interface Upstream {
  server: Server;
  port: number;
  seen: string[];
  /** Requests whose connection closed before they were answered. */
  cut: string[];
}

/** Answers chat requests at once, except "hold-*" ones, which it never answers. */
function startUpstream(): Promise<Upstream> {
  const seen: string[] = [];
  const cut: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(parts).toString()) as { messages: { content: string }[] };
      const content = body.messages[0]!.content;
      seen.push(content);
      if (content.startsWith("hold")) {
        res.on("close", () => cut.push(content));
        return;
      }
      const answer = JSON.stringify({
        id: "x",
        object: "chat.completion",
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, port: (server.address() as AddressInfo).port, seen, cut }),
    ),
  );
}

const chat = (content: string) => `{"model":"m","messages":[{"role":"user","content":"${content}"}]}`;
const CRITICAL = { "x-gateway-inference-objective": "critical" };
const BATCH = { "x-gateway-inference-objective": "batch" };

function immediateHeaders(m: Msg): Record<string, string> {
  return Object.fromEntries(
    (m.immediate_response.headers.set_headers as Msg[]).map((h) => [
      h.header.key,
      Buffer.from(h.header.raw_value).toString(),
    ]),
  );
}

describe.each(extprocTransports)(
  "flow control eviction (ext_proc transport $transport)",
  ({ transport, flag }) => {
    let server: CliProcess;
    let client: grpc.Client;
    let api: PoolApi;
    let upstream: Upstream;
    let pod: string;

    const room = () => pushPool(api, "pool-a", [[pod, 0, 0.1, []]]);
    /** Full by exactly one request: 5 waiting = the detector's queueDepthThreshold. */
    const fullByOne = () => pushPool(api, "pool-a", [[pod, 5, 0.1, []]]);
    const metric = async (prefix: string): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${server.port("metrics")}/metrics`)).text();
      let n = 0;
      for (const line of text.split("\n")) if (line.startsWith(prefix)) n += Number(line.split(" ").pop());
      return n;
    };
    const evictedCount = () =>
      metric(
        'llm_d_epp_flow_control_requests_total{fairness_id="default-flow",priority="-1",outcome="Evicted"',
      );

    const http = (content: string, headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${server.port("http")}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: chat(content),
      });
    const extproc = (content: string, headers: Record<string, string>) => {
      const call = new ExtProcCall(client);
      call.send(requestHeaders({ ...POST, ...headers }));
      call.send(requestBody(chat(content), true));
      return call;
    };

    beforeAll(async () => {
      upstream = await startUpstream();
      pod = `127.0.0.1:${upstream.port}`;
      server = await startCli(
        ["serve", "--config", "test/fixtures/flow-control-eviction", ...flag, ...loopbackPorts],
        { waitFor: ["api", "extproc", "http", "metrics"] },
      );
      client = extProcClient(server.port("extproc"));
      api = poolApi(server.port("api"));
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
      await new Promise((r) => upstream?.server.close(r));
    });

    it("ext_proc: a critical request on a full pool evicts the sheddable one in flight and is picked", async () => {
      await room();
      const batch = extproc("batch", BATCH);
      // The pick: the request headers' and the request body's replies.
      const pick = await batch.waitFor(2);
      expect(setHeaders(pick[0])["x-gateway-destination-endpoint"]).toBe(pod);
      const before = await evictedCount();
      await fullByOne();
      const critical = extproc("critical", CRITICAL);
      const [served] = await critical.waitFor(1);
      expect(setHeaders(served)["x-gateway-destination-endpoint"]).toBe(pod);
      // The h2 transport writes the answer at once; the Connect one with its next reply.
      if (transport === "connect") batch.send(responseHeaders({ ":status": "200" }));
      const replies = await batch.waitFor(3);
      const answer = replies[2]!;
      const immediate = answer.immediate_response;
      expect(immediate.status.code).toBe(429);
      expect(Buffer.from(immediate.body).toString()).toBe("request evicted by flow control");
      expect(immediateHeaders(answer)[REASON]).toBe("evicted");
      expect(await evictedCount()).toBe(before + 1);
      batch.end();
      critical.end();
    });

    // The HTTP router is the same on both ext_proc transports: run its case once.
    if (transport !== "h2") return;

    it("HTTP: a critical request on a full pool evicts the sheddable one in flight (upstream call cut) and is served", async () => {
      await room();
      const batch = http("hold-batch", BATCH);
      await until(() => upstream.seen.includes("hold-batch"), 5000, "the batch request reached the pod");
      await fullByOne();
      const critical = http("http-critical", CRITICAL);
      const evicted = await batch;
      expect(evicted.status).toBe(429);
      expect(evicted.headers.get(REASON)).toBe("evicted");
      const body = (await evicted.json()) as { error: { type: string; message: string } };
      expect(body.error.type).toBe("rate_limit_error");
      expect(body.error.message).toBe("request evicted by flow control");
      await until(() => upstream.cut.includes("hold-batch"), 5000, "the batch's upstream call cut");
      const served = await critical;
      expect(served.status).toBe(200);
      expect(upstream.seen).toContain("http-critical");
    });
  },
);
