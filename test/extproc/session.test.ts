import { describe, expect, it } from "vitest";
import { body, chat, chunks, headers, setHeaders, setup, trailers } from "./helpers.js";

const POST = { ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json" };

describe("ExtProcSession: request path", () => {
  it("answers nothing until the body ends, then one headers reply and the body", () => {
    const { processor } = setup();
    const s = processor.open();
    expect(s.handle(headers(POST))).toEqual([]);
    const text = chat("llama");
    expect(s.handle(body(text.slice(0, 10), false))).toEqual([]);
    expect(s.handle(body(text.slice(10, 30), false))).toEqual([]);
    const replies = s.handle(body(text.slice(30), true));
    expect(replies).toHaveLength(2);
    const first = replies[0]!;
    expect(first.response.case).toBe("requestHeaders");
    const common = first.response.case === "requestHeaders" ? first.response.value.response : undefined;
    expect(common?.clearRouteCache).toBe(true);
    const set = setHeaders(first);
    expect(set["x-gateway-destination-endpoint"]).toMatch(/^192\.168\.1\.2:8000(,|$)/);
    expect(set["x-request-id"]).toBe("gen-1");
    expect(set["content-length"]).toBe(String(text.length));
    expect(common?.headerMutation?.removeHeaders).toEqual([
      "x-gateway-destination-endpoint-subset",
      "x-gateway-destination-endpoint-served",
      // No prefill endpoint picked: a client's own x-prefiller-host-port must not reach the decode side.
      "x-prefiller-host-port",
    ]);
    expect(first.dynamicMetadata).toEqual({
      "envoy.lb": { "x-gateway-destination-endpoint": set["x-gateway-destination-endpoint"] },
    });
    expect(chunks(replies)).toEqual([{ body: text, bytes: text.length, eos: true }]);
  });

  it("keeps the client's x-request-id", () => {
    const { processor } = setup();
    const s = processor.open();
    s.handle(headers({ ...POST, "x-request-id": "abc" }));
    expect(setHeaders(s.handle(body(chat("llama"), true))[0])["x-request-id"]).toBe("abc");
  });

  it("replaces a client's x-request-id carrying CR/LF instead of copying it into a header mutation", () => {
    const { processor } = setup();
    const s = processor.open();
    s.handle(headers({ ...POST, "x-request-id": "abc\r\nx-evil: 1" }));
    expect(setHeaders(s.handle(body(chat("llama"), true))[0])["x-request-id"]).toBe("gen-1");
  });

  it("answers a body above the limit with an ImmediateResponse 413 PayloadTooLarge", () => {
    const { processor, metrics } = setup({ maxBodyBytes: 100 });
    const s = processor.open();
    s.handle(headers(POST));
    expect(s.handle(body("x".repeat(60), false))).toEqual([]);
    const [reply] = s.handle(body("x".repeat(60), false));
    const ir = reply?.response.case === "immediateResponse" ? reply.response.value : undefined;
    expect(ir?.status?.code).toBe(413);
    expect(new TextDecoder().decode(ir?.body)).toBe(
      "inference error: PayloadTooLarge - request body: 120 bytes is larger than the limit of 100 bytes (RouterConfig spec.limits.maxBodyBytes)",
    );
    expect(s.finished).toBe(true);
    expect(metrics.expose()).toContain('error_code="PayloadTooLarge"');
  });

  it("returns a 1 MiB body in chunks of at most 62,000 bytes, end_of_stream on the last only", () => {
    const { processor } = setup();
    const s = processor.open();
    s.handle(headers(POST));
    const big = chat("llama", `,"pad":"${"x".repeat(1024 * 1024)}"`);
    const bytes = new TextEncoder().encode(big);
    let replies: ReturnType<typeof s.handle> = [];
    for (let at = 0; at < bytes.length; at += 65536) {
      replies = s.handle(body(bytes.subarray(at, at + 65536), at + 65536 >= bytes.length));
    }
    const got = chunks(replies);
    expect(got.length).toBe(Math.ceil(bytes.length / 62_000));
    expect(got.every((c) => c.bytes <= 62_000)).toBe(true);
    expect(got.map((c) => c.eos)).toEqual(got.map((_, i) => i === got.length - 1));
    expect(got.map((c) => c.body).join("")).toBe(big);
  });

  it.each([
    ["invalid JSON", "{not json", 400, "BadRequest"],
    ["a missing model", '{"messages":[]}', 400, "BadRequest"],
  ])("answers %s with an ImmediateResponse %i", (_, text, status, code) => {
    const { processor, metrics } = setup();
    const s = processor.open();
    s.handle(headers(POST));
    const [reply, ...rest] = s.handle(body(text, true));
    expect(rest).toEqual([]);
    expect(reply?.response.case).toBe("immediateResponse");
    const ir = reply?.response.case === "immediateResponse" ? reply.response.value : undefined;
    expect(ir?.status?.code).toBe(status);
    expect(new TextDecoder().decode(ir?.body)).toMatch(new RegExp(`^inference error: ${code} - `));
    expect(s.finished).toBe(true);
    expect(metrics.expose()).toContain(`error_code="${code}"`);
  });

  it("honours a subset hint with one pod, and answers 503 for an empty or unknown subset", () => {
    const { processor } = setup();
    const hint = (list: string[]) => ({
      "envoy.lb.subset_hint": { "x-gateway-destination-endpoint-subset": list },
    });
    const s = processor.open();
    s.handle(headers(POST, false, hint(["192.168.1.3:8000"])));
    expect(setHeaders(s.handle(body(chat("llama"), true))[0])["x-gateway-destination-endpoint"]).toBe(
      "192.168.1.3:8000",
    );
    for (const list of [[], ["10.9.9.9:8000"]]) {
      const t = processor.open();
      t.handle(headers(POST, false, hint(list)));
      const [reply] = t.handle(body(chat("llama"), true));
      expect(reply?.response.case === "immediateResponse" && reply.response.value.status?.code).toBe(503);
    }
  });

  it("routes a headers-only request to some pod without a body, and answers 500 with no pods", () => {
    const { processor, store } = setup();
    const s = processor.open();
    const replies = s.handle(headers({ ":method": "GET", ":path": "/v1/models" }, true));
    expect(replies).toHaveLength(1);
    expect(setHeaders(replies[0])["x-gateway-destination-endpoint"]).toMatch(/^192\.168\.1\.[123]:8000$/);
    expect(setHeaders(replies[0])["content-length"]).toBeUndefined();
    const hinted = processor.open();
    const hint = {
      "envoy.lb.subset_hint": { "x-gateway-destination-endpoint-subset": ["192.168.1.3:8000"] },
    };
    const [one] = hinted.handle(headers({ ":method": "GET", ":path": "/v1/models" }, true, hint));
    expect(setHeaders(one)["x-gateway-destination-endpoint"]).toBe("192.168.1.3:8000");
    const empty = processor.open();
    const noneHint = { "envoy.lb.subset_hint": { "x-gateway-destination-endpoint-subset": [] } };
    const [unavailable] = empty.handle(headers({ ":method": "GET", ":path": "/v1/models" }, true, noneHint));
    expect(
      unavailable?.response.case === "immediateResponse" && unavailable.response.value.status?.code,
    ).toBe(503);
    store.configurePools([]);
    const t = processor.open();
    const [err] = t.handle(headers({ ":method": "GET", ":path": "/v1/models" }, true));
    expect(err?.response.case === "immediateResponse" && err.response.value.status?.code).toBe(500);
  });

  it("rewrites the model in the body and sets the new content-length", () => {
    const { processor } = setup(
      {},
      {
        rewrites: [
          {
            poolName: "pool-a",
            rules: [{ matches: ["llama"], targets: [{ model: "llama-v2", weight: 1 }] }],
          },
        ],
      },
    );
    const s = processor.open();
    s.handle(headers(POST));
    const replies = s.handle(body(chat("llama"), true));
    const [sent] = chunks(replies);
    expect(JSON.parse(sent!.body).model).toBe("llama-v2");
    expect(setHeaders(replies[0])["content-length"]).toBe(String(sent!.bytes));
  });

  it("keeps its own copy of body chunks, so a transport may reuse its read buffer", () => {
    const { processor } = setup();
    const s = processor.open();
    s.handle(headers(POST));
    const text = chat("llama");
    // A chunk may be a view of the transport's read buffer: nothing may depend on it after handle().
    const read = new TextEncoder().encode(text);
    expect(s.handle(body(read.subarray(0, 20), false))).toEqual([]);
    read.fill(0x20, 0, 20);
    const replies = s.handle(body(read.subarray(20), true));
    expect(chunks(replies)).toEqual([{ body: text, bytes: text.length, eos: true }]);
  });

  it("routes at request trailers when the body did not say end_of_stream", () => {
    const { processor } = setup();
    const s = processor.open();
    s.handle(headers(POST));
    expect(s.handle(body(chat("llama"), false))).toEqual([]);
    const replies = s.handle(trailers("request"));
    expect(replies.map((r) => r.response.case)).toEqual(["requestHeaders", "requestBody", "requestTrailers"]);
    expect(chunks(replies)[0]!.eos).toBe(false);
  });

  it("in BUFFERED mode answers the headers at once and puts the pick on the body reply", () => {
    const { processor } = setup({ bodyMode: "BUFFERED" });
    const s = processor.open();
    expect(s.handle(headers(POST)).map((r) => r.response.case)).toEqual(["requestHeaders"]);
    const [reply, ...rest] = s.handle(body(chat("llama"), true));
    expect(rest).toEqual([]);
    expect(reply?.response.case).toBe("requestBody");
    expect(setHeaders(reply)["x-gateway-destination-endpoint"]).toMatch(/^192\.168\.1\.2:8000/);
    expect(reply?.dynamicMetadata).toBeDefined();
  });
});

describe("ExtProcSession: endpoints listed per pick", () => {
  const pick = (processor: ReturnType<typeof setup>["processor"]) => {
    const s = processor.open();
    s.handle(headers(POST));
    return setHeaders(s.handle(body(chat("llama"), true))[0])["x-gateway-destination-endpoint"]?.split(",");
  };

  it("lists as many endpoints as the processor is set to, and follows a reload", () => {
    const { processor } = setup({ maxEndpoints: 1 });
    expect(pick(processor)).toEqual(["192.168.1.2:8000"]);
    processor.setMaxEndpoints(undefined);
    expect(pick(processor)).toHaveLength(3);
    processor.setMaxEndpoints(2);
    expect(pick(processor)).toHaveLength(2);
  });
});
