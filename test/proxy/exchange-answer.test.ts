import { describe, expect, it } from "vitest";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import { enc, setup } from "./exchange-harness.js";

describe("Exchange: the answer", () => {
  const sse = { "content-type": "text/event-stream" };

  it("buffers a JSON answer, maps the model back, sets content-length and taps usage", async () => {
    const { t, s, outcomes, l } = setup({ targetModel: "m-v2" });
    const ev = t.calls[0]!.events;
    ev.head(200, { "content-type": "application/json", "content-length": "99", connection: "keep-alive" });
    ev.data(enc.encode('{"model":"m-v2","usage":{"prompt_tokens":3,'));
    expect(s.status).toBe(0); // nothing reaches the client before the whole answer
    ev.data(enc.encode('"completion_tokens":2}}'));
    ev.end();
    expect(s.status).toBe(200);
    expect(JSON.parse(s.text()).model).toBe("m");
    expect(s.headers["content-length"]).toBe(String(enc.encode(s.text()).length));
    expect(s.headers.connection).toBeUndefined();
    expect(s.ended).toBe(true);
    expect(outcomes[0]!.usage).toEqual({ promptTokens: 3, completionTokens: 2, cachedTokens: 0 });
    expect(l.all[0]!.released).toBe(true);
  });

  it("passes SSE chunks through as they arrive and taps usage at the end", () => {
    const { t, s, outcomes } = setup({});
    const ev = t.calls[0]!.events;
    ev.head(200, sse);
    expect(s.status).toBe(200); // the head goes out at once
    ev.data(enc.encode('data: {"choices":[{"delta":{"content":"a"}}]}\n\n'));
    expect(s.chunks).toEqual(['data: {"choices":[{"delta":{"content":"a"}}]}\n\n']);
    ev.data(
      enc.encode(
        'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\ndata: [DONE]\n\n',
      ),
    );
    ev.end();
    expect(s.ended).toBe(true);
    expect(outcomes[0]!.status).toBe("completed");
    expect(outcomes[0]!.usage).toEqual({ promptTokens: 3, completionTokens: 1, cachedTokens: 0 });
  });

  it("records TTFT at the first streamed byte, and TPOT and NTPOT from the tapped usage", () => {
    const metrics = new RouterMetrics();
    let now = 0;
    const { t } = setup({ metrics, now: () => now });
    metrics.recordRequest("m", "m", 10);
    const ev = t.calls[0]!.events;
    now = 100;
    ev.head(200, sse);
    now = 250;
    ev.data(enc.encode('data: {"choices":[{"delta":{"content":"a"}}]}\n\n'));
    now = 1000;
    ev.data(enc.encode('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\n'));
    ev.end();
    const text = metrics.expose();
    const l = 'model_name="m",target_model_name="m"';
    expect(text).toContain(`llm_d_epp_request_ttft_seconds_sum{${l},streaming="true"} 0.25`);
    expect(text).toContain(`llm_d_epp_request_streaming_tpot_seconds_sum{${l}} 0.25`);
    expect(text).toContain(`llm_d_epp_request_ntpot_seconds_sum{${l}} 0.25`);
  });

  it("maps the engine's model name back in SSE events", () => {
    const { t, s } = setup({ targetModel: "m-v2" });
    const ev = t.calls[0]!.events;
    ev.head(200, sse);
    ev.data(enc.encode('data: {"model":"m-v2","choices":[]}\n\n'));
    expect(s.chunks[0]).toBe('data: {"model":"m","choices":[]}\n\n');
  });

  it("ends a stream that breaks mid-way with an SSE error event after the partial line", () => {
    const { t, s, outcomes } = setup({});
    const ev = t.calls[0]!.events;
    ev.head(200, sse);
    ev.data(enc.encode('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"cho'));
    ev.error(new Error("socket hang up"));
    const tail = s.chunks.at(-1)!;
    expect(tail).toMatch(/^\n\nevent: error\ndata: /);
    const payload = JSON.parse(tail.split("data: ")[1]!);
    expect(payload.error).toMatchObject({ type: "upstream_error", code: "BadGateway" });
    expect(payload.error.message).toContain("socket hang up");
    expect(s.ended).toBe(true);
    expect(outcomes.map((o) => o.status)).toEqual(["failed"]);
  });

  it("ends a silent stream after the idle timeout with an error event and aborts the upstream", async () => {
    const { t, s, outcomes } = setup({ options: { idleTimeoutMs: 30 } });
    const ev = t.calls[0]!.events;
    ev.head(200, sse);
    ev.data(enc.encode("data: {}\n\n"));
    await new Promise((r) => setTimeout(r, 80));
    expect(s.chunks.at(-1)).toMatch(/^event: error\n/);
    expect(s.chunks.at(-1)).toContain("DeadlineExceeded");
    expect(t.calls[0]!.aborted).toBe(true);
    expect(outcomes[0]!.error?.code).toBe("DeadlineExceeded");
  });

  it("fails a buffered answer that breaks or goes silent instead of sending half of it", async () => {
    const broken = setup({});
    broken.t.calls[0]!.events.head(200, { "content-type": "application/json" });
    broken.t.calls[0]!.events.data(enc.encode('{"id":'));
    broken.t.calls[0]!.events.error(new Error("reset"));
    expect(broken.failures.map((f) => f.code)).toEqual(["BadGateway"]);
    expect(broken.s.status).toBe(0);
    const silent = setup({ options: { idleTimeoutMs: 30 } });
    silent.t.calls[0]!.events.head(200, { "content-type": "application/json" });
    await new Promise((r) => setTimeout(r, 80));
    expect(silent.failures.map((f) => f.code)).toEqual(["DeadlineExceeded"]);
    expect(silent.t.calls[0]!.aborted).toBe(true);
  });

  it("pauses the upstream while the client is behind and resumes on drain", () => {
    const { t, s } = setup({});
    const ev = t.calls[0]!.events;
    ev.head(200, sse);
    s.full = true;
    ev.data(enc.encode("data: 1\n\n"));
    expect(t.calls[0]!.paused).toBe(true);
    const first = s.drain!;
    s.drain = undefined;
    ev.data(enc.encode("data: 2\n\n")); // a chunk already on its way: written, no second wait
    expect(s.drain).toBeUndefined();
    expect(s.chunks).toEqual(["data: 1\n\n", "data: 2\n\n"]);
    s.full = false;
    first();
    expect(t.calls[0]!.paused).toBe(false);
    s.full = true;
    ev.data(enc.encode("data: 3\n\n")); // behind again: a new wait
    expect(t.calls[0]!.paused).toBe(true);
    expect(s.drain).toBeDefined();
  });

  it("aborts the upstream and reports one cancel when the client goes away mid-stream", () => {
    const { x, t, outcomes, l } = setup({});
    const ev = t.calls[0]!.events;
    ev.head(200, sse);
    ev.data(enc.encode("data: {}\n\n"));
    x.cancel();
    x.cancel();
    ev.data(enc.encode("data: late\n\n")); // a transport that still talks is ignored
    expect(t.calls[0]!.aborted).toBe(true);
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled"]);
    expect(l.all[0]!.released).toBe(true);
  });
});
