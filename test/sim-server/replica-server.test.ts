import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningReplica } from "../../runtimes/sim/replica.js";
import { noFaults } from "../../src/sim/fault-plan.js";
import { parsePrometheus, post, readSse, sample, startTestReplica, waitUntil } from "./helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: OpenAI JSON bodies of several shapes, checked by the assertions
type Json = any;

let replica: RunningReplica;
let base: string;

beforeAll(async () => {
  replica = await startTestReplica({ index: 4, models: ["llama", "other"], adapters: ["sql-lora"] });
  base = `http://127.0.0.1:${replica.port}`;
});
afterAll(() => replica?.close());

const chat = (over: Record<string, unknown> = {}) => ({
  model: "llama",
  messages: [{ role: "user", content: "Tell me a story about a router." }],
  max_tokens: 20,
  ...over,
});

async function metrics() {
  return parsePrometheus(await (await fetch(`${base}/metrics`)).text());
}

describe("sim replica: OpenAI routes", () => {
  it("answers a non-stream chat completion with the full length, usage and the replica headers", async () => {
    const res = await post(base, "/v1/chat/completions", chat());
    expect(res.status).toBe(200);
    expect(res.headers.get("x-sim-replica")).toBe("4");
    expect(res.headers.get("x-sim-address")).toBe(`127.0.0.1:${replica.port}`);
    const body = (await res.json()) as Json;
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("llama");
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.choices[0].message.content.trim().split(" ")).toHaveLength(20);
    expect(body.usage).toMatchObject({ completion_tokens: 20, prompt_tokens: 10, total_tokens: 30 });
    expect(body.usage.prompt_tokens_details.cached_tokens).toBeTypeOf("number");
  });

  it("streams chat tokens over time in vLLM's SSE format, with usage when asked", async () => {
    const sent = performance.now();
    const res = await post(
      base,
      "/v1/chat/completions",
      chat({ stream: true, stream_options: { include_usage: true } }),
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(res);
    expect(events.at(-1)!.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const tokens = events.slice(1, -2);
    expect(tokens).toHaveLength(20);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "llama")).toBe(true);
    expect(chunks[20].choices[0].finish_reason).toBe("length");
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: 20, prompt_tokens: 10 });
    // demo preset: ~28 ms per token, so 19 more tokens take ~0.5 s after the first.
    const first = tokens[0]!.at - sent;
    const last = tokens.at(-1)!.at - sent;
    expect(last - first).toBeGreaterThan(200);
  });

  it("streams completions as text_completion chunks without usage unless asked", async () => {
    const res = await post(base, "/v1/completions", {
      model: "other",
      prompt: "Once upon a time",
      max_tokens: 3,
      stream: true,
    });
    const events = await readSse(res);
    expect(events.map((e) => e.data).at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks).toHaveLength(3);
    expect(chunks.map((c) => c.choices[0].text).join("")).toBe(" lorem ipsum dolor");
    expect(chunks.every((c) => c.object === "text_completion" && c.usage === undefined)).toBe(true);
  });

  it("uses default-max-tokens when max_tokens is absent", async () => {
    const body = (await (
      await post(base, "/v1/completions", { model: "llama", prompt: "x" })
    ).json()) as Json;
    expect(body.usage.completion_tokens).toBe(16);
  });

  it("answers 404 in OpenAI's error shape for a model outside --models, and 400 for a bad body", async () => {
    const res = await post(base, "/v1/chat/completions", chat({ model: "gpt-9" }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error).toMatchObject({ type: "NotFoundError", code: 404 });
    const bad = await post(base, "/v1/chat/completions", { model: "llama" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.message).toContain("messages");
  });

  it("lists base models and adapters on /v1/models and is healthy", async () => {
    const body = (await (await fetch(`${base}/v1/models`)).json()) as Json;
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(["llama", "other", "sql-lora"]);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe("sim replica: engine state", () => {
  it("shows running and waiting requests in /metrics while busy, and an adapter in lora info", async () => {
    const ctl = new AbortController();
    const pending = Array.from({ length: 40 }, (_, i) =>
      post(
        base,
        "/v1/completions",
        { model: i === 0 ? "sql-lora" : "llama", prompt: `p${i}`, max_tokens: 200 },
        ctl.signal,
      ).catch(() => undefined),
    );
    let fam = await metrics();
    await waitUntil(async () => {
      fam = await metrics();
      return sample(fam, "vllm:num_requests_running") > 0;
    });
    expect(sample(fam, "vllm:num_requests_running")).toBeLessThanOrEqual(32);
    await waitUntil(async () => sample(await metrics(), "vllm:num_requests_waiting") > 0);
    const lora = (await metrics()).find((f) => f.name === "vllm:lora_requests_info")!;
    expect(lora.metrics[0]!.labels!.running_lora_adapters).toBe("sql-lora");
    ctl.abort();
    await Promise.all(pending);
    await waitUntil(async () => {
      const m = await metrics();
      return sample(m, "vllm:num_requests_running") === 0 && sample(m, "vllm:num_requests_waiting") === 0;
    });
  });

  it("counts a prefix-cache hit in /metrics when a long prompt repeats", async () => {
    const prompt = "The quick brown fox jumps over the lazy dog. ".repeat(45);
    const before = sample(await metrics(), "vllm:prefix_cache_hits_total");
    await (await post(base, "/v1/completions", { model: "llama", prompt, max_tokens: 2 })).json();
    const again = (await (
      await post(base, "/v1/completions", { model: "llama", prompt, max_tokens: 2 })
    ).json()) as {
      usage: { prompt_tokens_details: { cached_tokens: number } };
    };
    const after = await metrics();
    expect(sample(after, "vllm:prefix_cache_hits_total") - before).toBeGreaterThanOrEqual(480);
    expect(again.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(480);
  });

  it("cancels the request in the engine when the client aborts a stream", async () => {
    const ctl = new AbortController();
    const res = await post(base, "/v1/chat/completions", chat({ stream: true, max_tokens: 500 }), ctl.signal);
    const reader = res.body!.getReader();
    await reader.read();
    await waitUntil(() => replica.state.rt.engine.metrics().runningRequests === 1);
    const cancelledBefore = replica.state.rt.engine.metrics().cancelledRequests;
    ctl.abort();
    await waitUntil(() => replica.state.rt.engine.metrics().runningRequests === 0);
    expect(replica.state.rt.engine.metrics().cancelledRequests).toBe(cancelledBefore + 1);
  });
});

describe("sim replica: fault knobs", () => {
  it("answers 500 at --error-rate 1 and 503 during --slow-start-ms", async () => {
    const r = await startTestReplica({ faults: { ...noFaults, errorRate: 1 } });
    const slow = await startTestReplica({ slowStartMs: 60_000 });
    try {
      expect(
        (await post(`http://127.0.0.1:${r.port}`, "/v1/completions", { model: "m", prompt: "x" })).status,
      ).toBe(500);
      expect((await fetch(`http://127.0.0.1:${slow.port}/health`)).status).toBe(503);
      expect(
        (await post(`http://127.0.0.1:${slow.port}`, "/v1/completions", { model: "m", prompt: "x" })).status,
      ).toBe(503);
    } finally {
      await Promise.all([r.close(), slow.close()]);
    }
  });

  it("cuts the connection mid-stream at --crash-mid-stream-rate 1", async () => {
    const r = await startTestReplica({ faults: { ...noFaults, crashMidStreamRate: 1 } });
    try {
      const res = await post(`http://127.0.0.1:${r.port}`, "/v1/completions", {
        model: "m",
        prompt: "x",
        max_tokens: 10,
        stream: true,
      });
      await expect(readSse(res)).rejects.toThrow();
      await waitUntil(() => r.state.rt.engine.metrics().runningRequests === 0);
      const nonStream = post(`http://127.0.0.1:${r.port}`, "/v1/completions", {
        model: "m",
        prompt: "x",
        max_tokens: 10,
      });
      await expect(nonStream).rejects.toThrow();
    } finally {
      await r.close();
    }
  });
});
