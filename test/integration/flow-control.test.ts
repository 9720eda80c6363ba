/**
 * Flow control through the real CLI, at both doors (the HTTP router, and ext_proc with grpc-js as
 * Envoy on both transports): a critical request waits while the pool is saturated and is served once a
 * push shows room; a sheddable request's TTL runs out with 429 and the reason header; a client that
 * goes away leaves the queue; flows of one band take turns (round-robin) in dispatch order.
 * The upstream is a small OpenAI-shaped server on 127.0.0.1 that records what reaches it.
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
  setHeaders,
} from "./extproc-client.js";
import { extprocTransports, POST, type PoolApi, poolApi, pushPool } from "./helpers/extproc-picker.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";
import { until } from "./http-router-helpers.js";

const REASON = "x-llm-d-request-dropped-reason";

/** The upstream: answers every chat request at once and records the user message's content. */
function startUpstream(): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(parts).toString()) as { messages: { content: string }[] };
      seen.push(body.messages[0]!.content);
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
      resolve({ server, port: (server.address() as AddressInfo).port, seen }),
    ),
  );
}

const chat = (content: string) => `{"model":"m","messages":[{"role":"user","content":"${content}"}]}`;

describe.each(extprocTransports)("flow control (ext_proc transport $transport)", ({ transport, flag }) => {
  let server: CliProcess;
  let client: grpc.Client;
  let api: PoolApi;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let pod: string;

  const saturated = () => pushPool(api, "pool-a", [[pod, 50, 0.97, []]]);
  /** Room for exactly one more request: 4 waiting (+1 sent since the push = 5, the detector's threshold). */
  const roomForOne = () => pushPool(api, "pool-a", [[pod, 4, 0.1, []]]);
  const room = () => pushPool(api, "pool-a", [[pod, 0, 0.1, []]]);
  const queued = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${server.port("metrics")}/metrics`)).text();
    let n = 0;
    for (const line of text.split("\n"))
      if (line.startsWith("llm_d_epp_flow_control_queue_size{")) n += Number(line.split(" ").pop());
    return n;
  };
  const queuedIs = (n: number) => until(async () => (await queued()) === n, 5000, `${n} queued`);

  const http = (content: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${server.port("http")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: chat(content),
      ...(signal && { signal }),
    });
  const extproc = (content: string, headers: Record<string, string> = {}) => {
    const call = new ExtProcCall(client);
    call.send(requestHeaders({ ...POST, ...headers }));
    call.send(requestBody(chat(content), true));
    return call;
  };
  const destination = (m: Msg) => setHeaders(m)["x-gateway-destination-endpoint"];

  beforeAll(async () => {
    upstream = await startUpstream();
    pod = `127.0.0.1:${upstream.port}`;
    server = await startCli(["serve", "--config", "test/fixtures/flow-control", ...flag, ...loopbackPorts], {
      waitFor: ["api", "extproc", "http", "metrics"],
    });
    client = extProcClient(server.port("extproc"));
    api = poolApi(server.port("api"));
  }, 30_000);

  afterAll(async () => {
    client?.close();
    await server?.stop();
    await new Promise((r) => upstream?.server.close(r));
  });

  it("ext_proc: holds a critical request's stream while saturated and picks once a push shows room", async () => {
    await saturated();
    const call = extproc("wait", { "x-gateway-inference-objective": "critical" });
    await queuedIs(1);
    expect(call.replies).toEqual([]);
    await room();
    const [first] = await call.waitFor(1);
    expect(destination(first!)).toBe(pod);
    await queuedIs(0);
    call.end();
  });

  it("ext_proc: a sheddable request's TTL runs out: ImmediateResponse 429 with the reason header", async () => {
    await saturated();
    const call = extproc("late", { "x-gateway-inference-objective": "batch" });
    const [first] = await call.waitFor(1, 15_000);
    const immediate = first!.immediate_response;
    expect(immediate.status.code).toBe(429);
    expect(Buffer.from(immediate.body).toString()).toMatch(/^inference error: ResourceExhausted - /);
    const headers = Object.fromEntries(
      (immediate.headers.set_headers as Msg[]).map((h) => [
        h.header.key,
        Buffer.from(h.header.raw_value).toString(),
      ]),
    );
    expect(headers[REASON]).toBe("rejected-ttl-expired");
    call.end();
  });

  it("ext_proc: a cancelled stream leaves the queue at once", async () => {
    await saturated();
    const call = extproc("gone", { "x-gateway-inference-objective": "critical" });
    await queuedIs(1);
    call.cancel();
    await queuedIs(0);
  });

  it("ext_proc: two flows of one band take turns (round-robin) in dispatch order", async () => {
    await saturated();
    const calls: [string, ExtProcCall][] = [];
    const order = ["a0", "a1", "a2", "b0", "b1"];
    for (const name of order) {
      calls.push([name, extproc(name, { "x-llm-d-inference-fairness-id": name[0]! })]);
      await queuedIs(calls.length);
    }
    const dispatched: string[] = [];
    while (dispatched.length < order.length) {
      await roomForOne();
      await until(
        () => calls.some(([n, c]) => c.replies.length > 0 && !dispatched.includes(n)),
        5000,
        "a pick",
      );
      for (const [n, c] of calls) if (c.replies.length > 0 && !dispatched.includes(n)) dispatched.push(n);
    }
    expect(dispatched).toEqual(["a0", "b0", "a1", "b1", "a2"]);
    for (const [, c] of calls) c.end();
    await room();
  });

  // The HTTP router is the same on both ext_proc transports: run its cases once.
  if (transport !== "h2") return;

  it("HTTP: a critical request waits while saturated and is served once a push shows room", async () => {
    await saturated();
    let answered = false;
    const res = http("http-wait", { "x-gateway-inference-objective": "critical" }).then((r) => {
      answered = true;
      return r;
    });
    await queuedIs(1);
    expect(answered).toBe(false);
    await room();
    expect((await res).status).toBe(200);
    expect(upstream.seen).toContain("http-wait");
  });

  it("HTTP: a sheddable request's TTL runs out: 429, OpenAI error shape, reason header", async () => {
    await saturated();
    const res = await http("http-late", { "x-gateway-inference-objective": "batch" });
    expect(res.status).toBe(429);
    expect(res.headers.get(REASON)).toBe("rejected-ttl-expired");
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toMatch(/expired in the flow control queue/);
    expect(upstream.seen).not.toContain("http-late");
  });

  it("HTTP: a client that disconnects while queued is gone from the queue, and never forwarded", async () => {
    await saturated();
    const ac = new AbortController();
    const res = http("http-gone", { "x-gateway-inference-objective": "critical" }, ac.signal).catch(
      () => "aborted",
    );
    await queuedIs(1);
    ac.abort();
    expect(await res).toBe("aborted");
    await queuedIs(0);
    await room();
    expect(upstream.seen).not.toContain("http-gone");
  });

  it("HTTP: two flows of one band take turns (round-robin) in the order they reach the pod", async () => {
    await saturated();
    const names = ["ha0", "ha1", "ha2", "hb0", "hb1"];
    const answers: Promise<Response>[] = [];
    for (const name of names) {
      answers.push(http(name, { "x-gateway-inference-fairness-id": name.slice(0, 2) }));
      await queuedIs(answers.length);
    }
    const start = upstream.seen.length;
    for (let i = 1; i <= names.length; i++) {
      await roomForOne();
      await until(() => upstream.seen.length - start >= i, 5000, `request ${i} forwarded`);
    }
    expect(upstream.seen.slice(start)).toEqual(["ha0", "hb0", "ha1", "hb1", "ha2"]);
    for (const a of answers) expect((await a).status).toBe(200);
    await room();
  });
});
