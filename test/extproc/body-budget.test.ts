/**
 * The ext_proc picker buffers request bodies too: it takes them from the same router-wide budget as
 * the HTTP router (the core's), refuses the body that would pass it with an immediate 503, and gives
 * the bytes back once the pick is sent or the stream ends.
 */
import { describe, expect, it } from "vitest";
import { body, chat, headers, setup } from "./helpers.js";

const POST = { ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json" };

describe("ExtProcSession: the buffered body budget", () => {
  it("answers 503 when a body chunk would pass the core's budget, and holds nothing after every stream ends", () => {
    const { processor, core } = setup();
    core.bodyBudget.limit = 100;
    const a = processor.open();
    const b = processor.open();
    a.handle(headers(POST));
    b.handle(headers(POST));
    expect(a.handle(body("x".repeat(60), false))).toEqual([]);
    expect(core.bodyBudget.used).toBe(60);
    const [reply] = b.handle(body("x".repeat(60), false));
    const ir = reply?.response.case === "immediateResponse" ? reply.response.value : undefined;
    expect(ir?.status?.code).toBe(503);
    expect(new TextDecoder().decode(ir?.body)).toContain("RouterConfig spec.limits.maxBufferedBodyBytes");
    expect(b.finished).toBe(true);
    a.close("cancel");
    expect(core.bodyBudget.used).toBe(0);
  });

  it("gives the body's bytes back once the pick is sent, while the response still streams", () => {
    const { processor, core } = setup();
    const s = processor.open();
    s.handle(headers(POST));
    const text = chat("llama");
    s.handle(body(text.slice(0, 10), false));
    expect(core.bodyBudget.used).toBe(10);
    expect(s.handle(body(text.slice(10), true)).length).toBeGreaterThan(0);
    expect(s.finished).toBe(false);
    expect(core.bodyBudget.used).toBe(0);
  });
});
