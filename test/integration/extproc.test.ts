import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bodyChunks,
  ExtProcCall,
  extProcClient,
  fromStruct,
  healthClient,
  type Msg,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
  setHeaders,
  struct,
} from "./extproc-client.js";
import {
  chat,
  extprocTransports,
  POST,
  type Pod,
  type PoolApi,
  poolApi,
  pushPods as pushPodsTo,
  receiveWindows,
  standardPods,
} from "./helpers/extproc-picker.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";

let server: CliProcess;
let client: grpc.Client;
let api: PoolApi;

const pushPods = (pods: Pod[]) => pushPodsTo(api, pods);

/** Sends headers + body (in pieces) and waits for the request-path answer. */
async function pick(body: string, opts: { pieces?: number; metadata?: Record<string, Msg> } = {}) {
  const call = new ExtProcCall(client);
  call.send(requestHeaders(POST, false, opts.metadata));
  const pieces = opts.pieces ?? 1;
  const size = Math.ceil(body.length / pieces);
  for (let i = 0; i < pieces; i++)
    call.send(requestBody(body.slice(i * size, (i + 1) * size), i === pieces - 1));
  const [first] = await call.waitFor(1);
  if (first?.immediate_response) return { call, first, destination: undefined };
  await call.waitForBodyEnd("request_body");
  return { call, first, destination: setHeaders(first)["x-gateway-destination-endpoint"]?.split(",")[0] };
}

async function inFlight(): Promise<Record<string, number>> {
  const { pool } = await api.getPool({ pool: "pool-a" });
  return Object.fromEntries(pool!.endpoints.map((e) => [e.address, e.inFlight?.requests ?? 0]));
}

async function finish(call: ExtProcCall): Promise<void> {
  call.send(responseHeaders({ ":status": "200", "content-type": "application/json" }));
  call.send(responseBody("{}", true));
  await call.waitForBodyEnd("response_body");
  call.end();
}

function healthCheck(service: string): Promise<Msg> {
  const h = healthClient(server.port("health"));
  return new Promise((resolve, reject) =>
    (h as unknown as { Check(r: Msg, cb: (e: Error | null, r: Msg) => void): void }).Check(
      { service },
      (e, r) => {
        h.close();
        if (e) reject(e);
        else resolve(r);
      },
    ),
  );
}

describe.each(extprocTransports)(
  "serve (ext_proc transport $transport): ext_proc picker over gRPC (grpc-js plays Envoy)",
  ({ transport, flag }) => {
    beforeAll(async () => {
      server = await startCli(["serve", "--config", "test/fixtures/extproc", ...flag, ...loopbackPorts], {
        waitFor: ["api", "extproc", "health", "metrics"],
      });
      client = extProcClient(server.port("extproc"));
      api = poolApi(server.port("api"));
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
    });

    it("serves ext_proc on the transport it logs (h2 when no flag is given)", () => {
      const line = server.logs.find((l) => l.msg === "listening" && l.service === "extproc");
      expect(line?.transport).toBe(transport);
    });

    it("gives Envoy receive windows of 1 MiB per stream and 16 MiB per connection by default", async () => {
      expect(await receiveWindows(server.port("extproc"))).toEqual({
        stream: 1024 * 1024,
        connection: 16 * 1024 * 1024,
      });
    });

    it("reports NOT_SERVING before the first push and SERVING after it, on Check and Watch", async () => {
      const service = "envoy.service.ext_proc.v3.ExternalProcessor";
      expect((await healthCheck(service)).status).toBe(2);
      const readyz = () => fetch(`http://127.0.0.1:${server.port("metrics")}/readyz`).then((r) => r.status);
      expect(await readyz()).toBe(503);
      const h = healthClient(server.port("health"));
      const watch = (h as unknown as { Watch(r: Msg): grpc.ClientReadableStream<Msg> }).Watch({ service });
      const seen: number[] = [];
      watch.on("data", (m: Msg) => seen.push(m.status ?? 0));
      watch.on("error", () => undefined);
      await new Promise((r) => setTimeout(r, 200));
      await pushPods(standardPods);
      await new Promise((r) => setTimeout(r, 200));
      watch.cancel();
      h.close();
      expect(seen).toEqual([2, 1]);
      expect((await healthCheck(service)).status).toBe(1);
      expect((await healthCheck("")).status).toBe(1);
      expect(await readyz()).toBe(200);
      await expect(healthCheck("other.Service")).rejects.toThrow(/NOT_FOUND|unknown service/);
    });

    it("picks the pod with the lowest queue and KV use, with header and metadata equal", async () => {
      await pushPods(standardPods);
      const { call, first, destination } = await pick(chat("food-review-1"));
      expect(destination).toBe("192.168.1.2:8000");
      expect(first?.request_headers?.response?.clear_route_cache).toBe(true);
      const md = fromStruct(first?.dynamic_metadata) as Record<string, Record<string, string>>;
      expect(md["envoy.lb"]?.["x-gateway-destination-endpoint"]).toBe(
        setHeaders(first)["x-gateway-destination-endpoint"],
      );
      await finish(call);
    });

    it("lets LoRA affinity win over KV-cache use", async () => {
      await pushPods([
        ["192.168.1.1:8000", 0, 0.2, ["foo", "bar", "baz", "qux"]],
        ["192.168.1.2:8000", 0, 0.8, ["sql-lora"]],
        ["192.168.1.3:8000", 0, 0.1, ["foo", "bar", "baz", "qux"]],
      ]);
      const { call, destination } = await pick(chat("sql-lora"));
      expect(destination).toBe("192.168.1.2:8000");
      await finish(call);
    });

    it("reassembles a body split across many chunks", async () => {
      await pushPods(standardPods);
      const text = chat("food-review-1");
      const { call, destination, first } = await pick(text, { pieces: 7 });
      expect(destination).toBe("192.168.1.2:8000");
      expect(
        bodyChunks(call.replies, "request_body")
          .map((c) => c.body.toString())
          .join(""),
      ).toBe(text);
      expect(setHeaders(first)["content-length"]).toBe(String(text.length));
      await finish(call);
    });

    it.each([
      ["invalid JSON", "{oops", 400],
      ["a missing model", '{"messages":[{"role":"user","content":"hi"}]}', 400],
    ])("answers %s with an ImmediateResponse", async (_, text, status) => {
      await pushPods(standardPods);
      const { call, first } = await pick(text);
      expect(first?.immediate_response?.status?.code).toBe(status);
      expect(Buffer.from(first?.immediate_response?.body).toString()).toMatch(
        /^inference error: BadRequest - /,
      );
      call.end();
    });

    it("honours a subset hint with one pod and answers 503 for a subset of unknown pods", async () => {
      await pushPods(standardPods);
      const hint = (list: string[]) => ({
        "envoy.lb.subset_hint": struct({ "x-gateway-destination-endpoint-subset": list }),
      });
      const one = await pick(chat("food-review-1"), { metadata: hint(["192.168.1.3:8000"]) });
      expect(one.destination).toBe("192.168.1.3:8000");
      await finish(one.call);
      const none = await pick(chat("food-review-1"), { metadata: hint(["10.0.0.99:8000"]) });
      expect(none.first?.immediate_response?.status?.code).toBe(503);
      none.call.end();
    });

    it("rewrites the model in the body and sets content-length, and maps it back in the answer", async () => {
      await pushPods(standardPods);
      const { call, first } = await pick(chat("food-review"));
      const sent = Buffer.concat(bodyChunks(call.replies, "request_body").map((c) => c.body));
      expect(JSON.parse(sent.toString()).model).toBe("food-review-v2");
      expect(setHeaders(first)["content-length"]).toBe(String(sent.length));
      call.send(responseHeaders({ ":status": "200", "content-type": "application/json" }));
      call.send(responseBody('{"model":"food-review-v2","choices":[]}', true));
      const replies = await call.waitForBodyEnd("response_body");
      expect(setHeaders(replies.find((r) => r.response_headers))["x-went-into-resp-headers"]).toBe("true");
      const back = Buffer.concat(bodyChunks(replies, "response_body").map((c) => c.body)).toString();
      expect(JSON.parse(back).model).toBe("food-review");
      call.end();
    });

    it("answers a headers-only GET with a headers response only", async () => {
      await pushPods(standardPods);
      const call = new ExtProcCall(client);
      call.send(requestHeaders({ ":method": "GET", ":path": "/v1/models" }, true));
      const [reply] = await call.waitFor(1);
      expect(setHeaders(reply)["x-gateway-destination-endpoint"]).toMatch(/^192\.168\.1\.[123]:8000$/);
      await new Promise((r) => setTimeout(r, 100));
      expect(call.replies).toHaveLength(1);
      call.end();
    });

    it("passes SSE chunks through unchanged and counts their usage in /metrics", async () => {
      await pushPods(standardPods);
      const { call } = await pick(chat("sse-model", ',"stream":true'));
      call.send(responseHeaders({ ":status": "200", "content-type": "text/event-stream" }));
      const events = [
        'data: {"model":"sse-model","choices":[{"delta":{"content":"a"}}]}\n\n',
        'data: {"model":"sse-model","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34}}\n\n',
        "data: [DONE]\n\n",
      ];
      for (const [i, e] of events.entries()) call.send(responseBody(e, i === events.length - 1));
      const replies = await call.waitForBodyEnd("response_body");
      expect(bodyChunks(replies, "response_body").map((c) => c.body.toString())).toEqual(events);
      call.end();
      const text = await (await fetch(`http://127.0.0.1:${server.port("metrics")}/metrics`)).text();
      expect(text).toContain(
        'inference_objective_output_tokens_sum{model_name="sse-model",target_model_name="sse-model"} 34',
      );
      expect(text).toContain(
        'inference_objective_input_tokens_sum{model_name="sse-model",target_model_name="sse-model"} 12',
      );
      expect(text).toContain('inference_pool_ready_pods{name="pool-a"} 3');
    });

    it("returns a 1 MiB body sent in 64 KiB chunks as chunks of at most 62,000 bytes", async () => {
      await pushPods(standardPods);
      const text = chat("food-review-1", `,"pad":"${"y".repeat(1024 * 1024)}"`);
      const bytes = Buffer.from(text);
      const call = new ExtProcCall(client);
      call.send(requestHeaders(POST));
      for (let at = 0; at < bytes.length; at += 65536) {
        call.send(requestBody(bytes.subarray(at, at + 65536), at + 65536 >= bytes.length));
      }
      const got = bodyChunks(await call.waitForBodyEnd("request_body"), "request_body");
      expect(got.every((c) => c.body.length <= 62_000)).toBe(true);
      expect(got.map((c) => c.eos)).toEqual(got.map((_, i) => i === got.length - 1));
      expect(Buffer.concat(got.map((c) => c.body)).equals(bytes)).toBe(true);
      await finish(call);
    });

    it("answers 500 concurrent streams", async () => {
      await pushPods(standardPods);
      const results = await Promise.all(
        Array.from({ length: 500 }, async () => {
          const { call, destination } = await pick(chat("food-review-1"));
          await finish(call);
          return destination;
        }),
      );
      expect(results.every((d) => d?.startsWith("192.168.1."))).toBe(true);
      expect(Object.values(await inFlight())).toEqual([0, 0, 0]);
    }, 30_000);

    it("leaves in-flight counts at zero when streams are cancelled mid-request", async () => {
      await pushPods(standardPods);
      const picked = await Promise.all(Array.from({ length: 20 }, () => pick(chat("food-review-1"))));
      const during = await inFlight();
      expect(Object.values(during).reduce((a, b) => a + b, 0)).toBe(20);
      for (const { call } of picked) call.cancel();
      // Streams cancelled before the body ends hold nothing either.
      const halfway = Array.from({ length: 20 }, () => new ExtProcCall(client).send(requestHeaders(POST)));
      for (const c of halfway) c.cancel();
      const deadline = Date.now() + 5000;
      let after = await inFlight();
      while (Object.values(after).some((n) => n > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        after = await inFlight();
      }
      expect(Object.values(after)).toEqual([0, 0, 0]);
    });
  },
);
