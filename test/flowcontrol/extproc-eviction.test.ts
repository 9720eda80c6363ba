/** ext_proc's answer to flow control's in-flight eviction (ExtProcSession with RouteDecision.evicted). */
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { createExtProcProcessor } from "../../src/extproc/index.js";
import { EVICTED_MESSAGE } from "../../src/flowcontrol/eviction.js";
import { droppedError } from "../../src/flowcontrol/outcomes.js";
import type { ProcessingResponse } from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import type { PendingDecision, RouteDecision } from "../../src/routing/types.js";
import type { Lease } from "../../src/state/in-flight.js";
import type { Endpoint } from "../../src/state/types.js";
import { body, chat, headers, responseHeaders } from "../extproc/helpers.js";

const POST = { ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json" };

function setup(held = false) {
  const evicted = new AbortController();
  let released = 0;
  const lease = {
    pool: "pool-a",
    address: "10.0.0.1:8000",
    tokens: 2,
    release: () => void released++,
  } as Lease;
  const decision: RouteDecision = {
    requestId: "gen-1",
    pool: "pool-a",
    clientModel: "llama",
    targetModel: "llama",
    priority: -1,
    objective: undefined,
    endpoints: [{ address: "10.0.0.1:8000" } as Endpoint],
    lease,
    body: new TextEncoder().encode(chat("llama")),
    bodyChanged: false,
    stream: false,
    promptTokens: 1,
    maxTokens: 1,
    evicted: evicted.signal,
  };
  let resolve!: (d: RouteDecision) => void;
  const router = {
    route: () => decision,
    ...(held && {
      admit(): PendingDecision {
        const p = new Promise<RouteDecision>((r) => {
          resolve = r;
        });
        return Object.assign(p, { cancel() {} });
      },
    }),
    anyEndpoint: () => undefined,
  };
  const processor = createExtProcProcessor({
    router,
    clock: createManualClock(0),
    generateId: () => "gen-1",
  });
  const evict = () => evicted.abort(droppedError("evicted", EVICTED_MESSAGE));
  return { processor, evict, released: () => released, dispatch: () => resolve(decision) };
}

function immediate(replies: ProcessingResponse[] | undefined) {
  const r = replies?.find((x) => x.response.case === "immediateResponse");
  const ir = r?.response.case === "immediateResponse" ? r.response.value : undefined;
  return {
    status: ir?.status?.code,
    body: new TextDecoder().decode(ir?.body),
    headers: Object.fromEntries(
      (ir?.headers?.setHeaders ?? []).map((x) => [
        x.header?.key,
        new TextDecoder().decode(x.header?.rawValue),
      ]),
    ),
  };
}

describe("ext_proc: an evicted request", () => {
  it("gets ImmediateResponse 429 `request evicted by flow control` at once through the push channel", () => {
    const t = setup();
    const s = t.processor.open();
    const pushed: ProcessingResponse[][] = [];
    s.onPush((r) => pushed.push(r));
    s.handle(headers(POST));
    expect(s.handle(body(chat("llama"), true)).length).toBeGreaterThan(0); // the pick
    t.evict();
    expect(immediate(pushed[0])).toEqual({
      status: 429,
      body: "request evicted by flow control",
      headers: { "x-llm-d-request-dropped-reason": "evicted" },
    });
    expect(s.finished).toBe(true);
    expect(t.released()).toBe(1);
  });

  it("without a push channel, gets it as the answer to the stream's next message", () => {
    const t = setup();
    const s = t.processor.open();
    s.handle(headers(POST));
    s.handle(body(chat("llama"), true));
    t.evict();
    expect(t.released()).toBe(1);
    expect(immediate(s.handle(responseHeaders({ ":status": "200" }))).status).toBe(429);
    expect(s.handle(responseHeaders({ ":status": "200" }))).toEqual([]);
  });

  it("evicted while its pick was on the way (flow control dispatched it): the answer replaces the pick", async () => {
    const t = setup(true);
    const s = t.processor.open();
    s.handle(headers(POST));
    s.handle(body(chat("llama"), true));
    const deferred = s.takeDeferred()!;
    t.evict();
    t.dispatch();
    const replies = await deferred;
    expect(replies.map((r) => r.response.case)).toEqual(["immediateResponse"]);
    expect(immediate(replies).headers).toEqual({ "x-llm-d-request-dropped-reason": "evicted" });
  });
});
