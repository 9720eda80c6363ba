import { describe, expect, it } from "vitest";
import { sseBody } from "../../src/proxy/sse-body.js";
import type { StreamOutcome } from "../../src/proxy/stream-outcome.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** An upstream body the test feeds by hand. */
function upstream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      ctl = c;
    },
  });
  return {
    stream,
    send: (text: string) => ctl.enqueue(enc.encode(text)),
    end: () => ctl.close(),
    fail: (err: Error) => ctl.error(err),
  };
}

function wrap(
  u: ReturnType<typeof upstream>,
  idleTimeoutMs = 60_000,
  mapping?: { from: string; to: string },
) {
  const outcomes: StreamOutcome[] = [];
  const aborts: unknown[] = [];
  const body = sseBody({
    upstream: u.stream,
    mapping,
    idleTimeoutMs,
    abort: (r) => aborts.push(r),
    onOutcome: (o) => outcomes.push(o),
  });
  return { reader: body.getReader(), outcomes, aborts };
}

const read = async (r: ReadableStreamDefaultReader<Uint8Array>) => {
  const { done, value } = await r.read();
  return done ? null : dec.decode(value);
};

describe("sseBody", () => {
  it("passes each upstream chunk through as soon as it arrives, and taps usage at the end", async () => {
    const u = upstream();
    const { reader, outcomes } = wrap(u);
    u.send('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
    expect(await read(reader)).toBe('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
    u.send('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\ndata: [DONE]\n\n');
    expect(await read(reader)).toContain("[DONE]");
    u.end();
    expect(await read(reader)).toBeNull();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.status).toBe("completed");
    expect(outcomes[0]!.usage).toEqual({ promptTokens: 3, completionTokens: 1, cachedTokens: 0 });
  });

  it("maps the engine's model name back to the client's", async () => {
    const u = upstream();
    const { reader } = wrap(u, 60_000, { from: "m-v2", to: "m" });
    u.send('data: {"model":"m-v2","choices":[]}\n\n');
    expect(await read(reader)).toBe('data: {"model":"m","choices":[]}\n\n');
  });

  it("ends a stream that breaks mid-way with an SSE error event after the partial line, then closes", async () => {
    const u = upstream();
    const { reader, outcomes, aborts } = wrap(u);
    u.send('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"cho');
    await read(reader);
    u.fail(new Error("socket hang up"));
    const tail = await read(reader);
    expect(tail).toMatch(/^\n\nevent: error\ndata: /);
    const payload = JSON.parse(tail!.split("data: ")[1]!);
    expect(payload.error).toMatchObject({ type: "upstream_error", code: "BadGateway" });
    expect(payload.error.message).toContain("socket hang up");
    expect(await read(reader)).toBeNull();
    expect(outcomes.map((o) => o.status)).toEqual(["failed"]);
    expect(aborts).toHaveLength(1);
  });

  it("ends a silent stream after the idle timeout with an error event", async () => {
    const u = upstream();
    const { reader, outcomes } = wrap(u, 40);
    u.send("data: {}\n\n");
    await read(reader);
    const tail = await read(reader);
    expect(tail).toMatch(/^event: error\n/);
    expect(tail).toContain("DeadlineExceeded");
    expect(await read(reader)).toBeNull();
    expect(outcomes[0]!.error?.code).toBe("DeadlineExceeded");
  });

  it("aborts the upstream and reports a cancel once when the client goes away", async () => {
    const u = upstream();
    const { reader, outcomes, aborts } = wrap(u);
    u.send("data: {}\n\n");
    await read(reader);
    await reader.cancel("client left");
    expect(aborts).toEqual(["client left"]);
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled"]);
  });
});
