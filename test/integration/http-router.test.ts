/** The HTTP router against real processes: `serve` with the demo config and a simulated pool. */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliProcess } from "./helpers/spawn-cli.js";
import {
  chatBody,
  getPool,
  inFlight,
  readChunks,
  startRouter,
  startSim,
  until,
} from "./http-router-helpers.js";

let router: CliProcess;
let sim: CliProcess;
let base: string;
let api: number;

beforeAll(async () => {
  router = await startRouter();
  api = router.port("api");
  base = `http://127.0.0.1:${router.port("http")}`;
  sim = await startSim(api, 3);
  await until(
    async () => (await getPool(api)).filter((e) => !e.stale).length === 3,
    10_000,
    "3 fresh replicas",
  );
});

afterAll(async () => {
  await sim?.stop();
  await router?.stop();
});

const post = (body: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    ...(signal ? { signal } : {}),
  });

describe("HTTP router with a simulated pool", () => {
  it("streams tokens to the client as the simulator produces them, not all at the end", async () => {
    const started = performance.now();
    const res = await post(
      chatBody({ stream: true, max_tokens: 30, stream_options: { include_usage: true } }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const chunks = await readChunks(res);
    const tokens = chunks.filter((c) => c.text.includes('"content":"'));
    const text = chunks.map((c) => c.text).join("");
    expect(text).toContain("data: [DONE]");
    expect(text).toContain('"model":"demo-model"'); // mapped back from demo-model-v1/v2
    expect(text).not.toContain("demo-model-v");
    // The demo preset takes ~27 ms per token: 30 tokens span ~0.8 s. Buffering would deliver them at once.
    const first = tokens[0]!.at - started;
    const last = tokens.at(-1)!.at - started;
    expect(tokens.length).toBeGreaterThan(10);
    expect(first).toBeLessThan(last / 2);
    expect(await inFlight(api)).toBe(0);
  });

  it("answers 413 for an oversized body, 400 for malformed JSON and 404 for an unknown model", async () => {
    const huge = chatBody({ messages: [{ role: "user", content: "x".repeat(33 * 1024 * 1024) }] });
    const big = await post(huge);
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe("request_too_large");
    const bad = await post('{"model": "demo-model", "messages": [');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.type).toBe("invalid_request_error");
    const unknown = await post(chatBody({ model: "no-such-model" }));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({
      type: "invalid_request_error",
      code: "model_not_found",
    });
  });

  it("ignores a spoofed x-gateway-destination-endpoint", async () => {
    const replicas = (await getPool(api)).map((e) => e.address);
    for (let i = 0; i < 3; i++) {
      const res = await post(chatBody(), { "x-gateway-destination-endpoint": "127.0.0.1:1" });
      expect(res.status).toBe(200);
      expect(replicas).toContain(res.headers.get("x-inference-endpoint"));
      expect(res.headers.get("x-sim-address")).toBe(res.headers.get("x-inference-endpoint"));
      await res.text();
    }
  });

  it("serves a client that sends Expect: 100-continue and hop-by-hop headers (curl does for large bodies)", async () => {
    const body = chatBody({ messages: [{ role: "user", content: "x".repeat(3000) }] });
    const answer = await new Promise<{ status: number; continued: boolean; text: string }>(
      (resolve, reject) => {
        let continued = false;
        const req = request(`${base}/v1/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            expect: "100-continue",
            te: "trailers",
            connection: "keep-alive, upgrade",
            upgrade: "h2c",
          },
        });
        req.on("continue", () => {
          continued = true;
          req.end(body);
        });
        req.on("response", (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => {
            text += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, continued, text }));
        });
        req.on("error", reject);
      },
    );
    expect(answer.continued).toBe(true);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).choices).toHaveLength(1);
  });

  it("releases the in-flight lease and cancels the engine's work when the client aborts", async () => {
    const client = new AbortController();
    const res = await post(chatBody({ stream: true, max_tokens: 500 }), {}, client.signal);
    const reader = res.body!.getReader();
    await reader.read();
    expect(await inFlight(api)).toBe(1);
    client.abort();
    await until(async () => (await inFlight(api)) === 0, 5_000, "in-flight back to 0");
    // The simulator stops generating once its connection closes: its pushed running count drops to 0.
    await until(
      async () => (await getPool(api)).every((e) => (e.metrics?.runningRequests ?? 0) === 0),
      5_000,
      "the simulator to cancel the request",
    );
  });

  it("completes 200 concurrent streaming requests and returns every in-flight count to zero", async () => {
    const one = async () => {
      const res = await post(chatBody({ stream: true, max_tokens: 6 }));
      const text = (await readChunks(res)).map((c) => c.text).join("");
      return res.status === 200 && text.includes("data: [DONE]");
    };
    const results = await Promise.all(Array.from({ length: 200 }, one));
    expect(results.filter(Boolean)).toHaveLength(200);
    await until(async () => (await inFlight(api)) === 0, 5_000, "in-flight back to 0");
  }, 60_000);
});
