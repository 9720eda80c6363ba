import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import { Exchange, type ExchangeContext } from "../../src/proxy/exchange.js";
import { defaultProxyOptions, type ProxyOptions } from "../../src/proxy/proxy-options.js";
import type { StreamOutcome } from "../../src/proxy/stream-outcome.js";
import type {
  ClientSink,
  HeaderRecord,
  OutHeaders,
  UpstreamEvents,
  UpstreamTarget,
} from "../../src/proxy/upstream.js";
import type { RouteDecision } from "../../src/routing/types.js";
import type { Lease } from "../../src/state/in-flight.js";
import type { Endpoint } from "../../src/state/types.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Leases that remember whether they were released. */
function leases() {
  const all: { address: string; released: boolean }[] = [];
  const make = (address: string): Lease => {
    const rec = { address, released: false };
    all.push(rec);
    return {
      pool: "p",
      address,
      tokens: 10,
      release: () => {
        rec.released = true;
      },
      moveTo: (to) => {
        const moved = make(to);
        rec.released = true;
        return moved;
      },
    };
  };
  return { all, make, acquire: (_p: string, address: string) => make(address) };
}

/** One upstream request the test answers by hand. */
interface Call {
  target: UpstreamTarget;
  events: UpstreamEvents;
  aborted: boolean;
  paused: boolean;
}

/** A transport whose calls the test drives; `auto` answers per host at once. */
function transport(auto: Record<string, number | "refuse"> = {}) {
  const calls: Call[] = [];
  const fn = (target: UpstreamTarget, events: UpstreamEvents) => {
    const call: Call = { target, events, aborted: false, paused: false };
    calls.push(call);
    const what = auto[target.address];
    if (what === "refuse")
      queueMicrotask(() => events.error(Object.assign(new Error("connect"), { code: "ECONNREFUSED" })));
    else if (typeof what === "number")
      queueMicrotask(() => {
        if (call.aborted) return;
        events.head(what, { "content-type": "text/plain" });
        if (call.aborted) return;
        events.data(enc.encode(`status ${what}`));
        events.end();
      });
    return {
      abort: () => {
        call.aborted = true;
      },
      pause: () => {
        call.paused = true;
      },
      resume: () => {
        call.paused = false;
      },
    };
  };
  return { fn, calls };
}

/** A client sink that records everything, with a switch for backpressure. */
function sink() {
  const s = {
    status: 0,
    headers: {} as OutHeaders,
    chunks: [] as string[],
    ended: false,
    full: false,
    drain: undefined as (() => void) | undefined,
    text: () => s.chunks.join(""),
  };
  const client: ClientSink = {
    head(status, headers) {
      s.status = status;
      s.headers = headers;
    },
    write(chunk) {
      s.chunks.push(dec.decode(chunk));
      return !s.full;
    },
    end(chunk) {
      if (chunk !== undefined) s.chunks.push(dec.decode(chunk));
      s.ended = true;
    },
    onDrain(resume) {
      s.drain = resume;
    },
  };
  return { s, client };
}

function setup(opts: {
  n?: number;
  auto?: Record<string, number | "refuse">;
  options?: Partial<ProxyOptions>;
  targetModel?: string;
  metrics?: RouterMetrics;
  now?: () => number;
  evicted?: AbortSignal;
}) {
  const l = leases();
  const t = transport(opts.auto);
  const { s, client } = sink();
  const endpoints = Array.from(
    { length: opts.n ?? 3 },
    (_, i) => ({ address: `10.0.0.${i + 1}:8000` }) as Endpoint,
  );
  const decision: RouteDecision = {
    requestId: "req-1",
    pool: "p",
    clientModel: "m",
    targetModel: opts.targetModel ?? "m",
    priority: 0,
    objective: undefined,
    endpoints,
    lease: l.make(endpoints[0]!.address),
    body: enc.encode('{"model":"m"}'),
    bodyChanged: false,
    stream: false,
    promptTokens: 3,
    maxTokens: 7,
    ...(opts.evicted !== undefined && { evicted: opts.evicted }),
  };
  const outcomes: (StreamOutcome & { endpoint?: string })[] = [];
  const failures: RouterError[] = [];
  const context: ExchangeContext = {
    options: { ...defaultProxyOptions, ...opts.options },
    transport: t.fn,
    acquire: l.acquire,
    metrics: opts.metrics,
    now: opts.now ?? (() => performance.now()),
    onOutcome: (_d, o) => outcomes.push(o),
  };
  const headers: HeaderRecord = {
    "content-type": "application/json",
    connection: "keep-alive",
    "x-gateway-destination-endpoint": "6.6.6.6:80",
  };
  const x = new Exchange(
    context,
    decision,
    { path: "/v1/chat/completions", method: "POST", headers },
    client,
    (e) => failures.push(e),
  );
  return { x, l, t, s, outcomes, failures };
}

describe("Exchange: failover before the first byte", () => {
  it("moves to the next endpoint on a refused connection, a 5xx and a 429, moving the lease", async () => {
    for (const failure of ["refuse", 503, 429] as const) {
      const { l, t, s, outcomes } = setup({ auto: { "10.0.0.1:8000": failure, "10.0.0.2:8000": 200 } });
      await tick();
      expect(t.calls.map((c) => c.target.address)).toEqual(["10.0.0.1:8000", "10.0.0.2:8000"]);
      expect(s.status).toBe(200);
      expect(s.headers["x-inference-endpoint"]).toBe("10.0.0.2:8000");
      expect(s.headers["x-inference-attempts"]).toBe("2");
      expect(l.all.map((x) => [x.address, x.released])).toEqual([
        ["10.0.0.1:8000", true],
        ["10.0.0.2:8000", true],
      ]);
      expect(outcomes).toEqual([expect.objectContaining({ status: "completed", endpoint: "10.0.0.2:8000" })]);
      if (failure !== "refuse") expect(t.calls[0]!.aborted).toBe(true);
    }
  });

  it("sends the filtered headers and the body, with the request id", async () => {
    const { t } = setup({ auto: { "10.0.0.1:8000": 200 } });
    await tick();
    const target = t.calls[0]!.target;
    expect(target.headers).toEqual({
      "content-type": "application/json",
      "x-request-id": "req-1",
      "accept-encoding": "identity",
    });
    expect(dec.decode(target.body)).toBe('{"model":"m"}');
  });

  it("does not retry a 4xx: the engine's answer goes to the client as it is", async () => {
    const { t, s } = setup({ auto: { "10.0.0.1:8000": 400 } });
    await tick();
    expect(t.calls).toHaveLength(1);
    expect(s.status).toBe(400);
    expect(s.text()).toBe("status 400");
  });

  it("stops at maxAttempts and hands the last 5xx through", async () => {
    const { t, s } = setup({
      auto: { "10.0.0.1:8000": 500, "10.0.0.2:8000": 502, "10.0.0.3:8000": 200 },
      options: { maxAttempts: 2 },
    });
    await tick();
    expect(t.calls).toHaveLength(2);
    expect(s.status).toBe(502);
    expect(s.headers["x-inference-attempts"]).toBe("2");
  });

  it("fails with BadGateway when no endpoint can be reached, every lease released, nothing written", async () => {
    const { l, s, failures, outcomes } = setup({
      auto: { "10.0.0.1:8000": "refuse", "10.0.0.2:8000": "refuse", "10.0.0.3:8000": "refuse" },
    });
    await tick();
    await tick();
    expect(failures).toHaveLength(1);
    expect(failures[0]!.code).toBe("BadGateway");
    expect(failures[0]!.message).toContain("3 attempts");
    expect(failures[0]!.message).toContain("ECONNREFUSED");
    expect(l.all.every((x) => x.released)).toBe(true);
    expect(s.status).toBe(0);
    expect(outcomes).toEqual([expect.objectContaining({ status: "failed" })]);
  });

  it("tries only the endpoints the pick returned", async () => {
    const { t, failures } = setup({ n: 1, auto: { "10.0.0.1:8000": "refuse" } });
    await tick();
    expect(t.calls).toHaveLength(1);
    expect(failures[0]!.code).toBe("BadGateway");
  });

  it("times out waiting for the first byte with DeadlineExceeded and does not retry", async () => {
    const { t, l, failures } = setup({ options: { firstByteTimeoutMs: 20 } });
    await new Promise((r) => setTimeout(r, 60));
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]!.aborted).toBe(true);
    expect(failures.map((f) => f.code)).toEqual(["DeadlineExceeded"]);
    expect(l.all.every((x) => x.released)).toBe(true);
  });

  it("gives up at once when the client leaves while waiting, releasing the lease", async () => {
    const { x, t, l, s, failures, outcomes } = setup({ options: { firstByteTimeoutMs: 20 } });
    x.cancel();
    await new Promise((r) => setTimeout(r, 40));
    expect(t.calls[0]!.aborted).toBe(true);
    expect(l.all.every((a) => a.released)).toBe(true);
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled"]);
    expect(failures).toHaveLength(0); // the timer died with the request
    expect(s.status).toBe(0);
  });
});

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

describe("Exchange: in-flight eviction (flow control's enableEviction)", () => {
  const evictedError = () =>
    new RouterError("ResourceExhausted", "request evicted by flow control", undefined, {
      "x-llm-d-request-dropped-reason": "evicted",
    });

  it("evicted while waiting for the first byte: the upstream call is aborted, the client gets 429 evicted", () => {
    const ac = new AbortController();
    const { t, l, s, failures, outcomes } = setup({ evicted: ac.signal });
    ac.abort(evictedError());
    expect(t.calls[0]!.aborted).toBe(true);
    expect(l.all.every((a) => a.released)).toBe(true);
    expect(failures.map((f) => [f.httpStatus, f.message, f.headers])).toEqual([
      [429, "request evicted by flow control", { "x-llm-d-request-dropped-reason": "evicted" }],
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["failed"]);
    expect(s.status).toBe(0); // the front end answers through onFail
  });

  it("evicted mid-stream: the stream ends with an SSE error event", () => {
    const ac = new AbortController();
    const { t, s, failures } = setup({ evicted: ac.signal });
    const events = t.calls[0]!.events;
    events.head(200, { "content-type": "text/event-stream" });
    events.data(enc.encode('data: {"choices":[]}\n\n'));
    ac.abort(evictedError());
    expect(t.calls[0]!.aborted).toBe(true);
    expect(s.ended).toBe(true);
    expect(s.text()).toMatch(/request evicted by flow control/);
    expect(failures).toHaveLength(0);
  });

  it("evicted between its dispatch and the forward: answered, never sent", () => {
    const ac = new AbortController();
    ac.abort(evictedError());
    const { t, failures } = setup({ evicted: ac.signal });
    expect(t.calls).toHaveLength(0);
    expect(failures[0]?.httpStatus).toBe(429);
  });
});
