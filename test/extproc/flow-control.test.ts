import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { createExtProcProcessor } from "../../src/extproc/index.js";
import { droppedError } from "../../src/flowcontrol/outcomes.js";
import type { PendingDecision, RouteDecision } from "../../src/routing/types.js";
import type { Endpoint } from "../../src/state/types.js";
import { body, chat, headers, setHeaders, trailers } from "./helpers.js";

const POST = { ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json" };

/** A router whose admit() holds every request until the test settles it. */
function heldRouter() {
  const held: { resolve(d: RouteDecision): void; reject(e: unknown): void; cancelled: boolean }[] = [];
  const router = {
    route(): RouteDecision {
      throw new Error("admit is used");
    },
    admit(): PendingDecision {
      let entry!: (typeof held)[number];
      const p = new Promise<RouteDecision>((resolve, reject) => {
        entry = { resolve, reject, cancelled: false };
      });
      held.push(entry);
      return Object.assign(p, {
        cancel() {
          entry.cancelled = true;
          entry.reject(droppedError("rejected-context-cancelled", "gone"));
        },
      });
    },
    anyEndpoint: () => undefined,
  };
  const processor = createExtProcProcessor({
    router,
    clock: createManualClock(0),
    generateId: () => "gen-1",
  });
  return { processor, held };
}

const decision = (b: Uint8Array): RouteDecision => ({
  requestId: "gen-1",
  pool: "pool-a",
  clientModel: "llama",
  targetModel: "llama",
  priority: 0,
  objective: undefined,
  endpoints: [{ address: "10.0.0.1:8000" } as Endpoint],
  lease: undefined,
  body: b,
  bodyChanged: false,
  stream: false,
  promptTokens: 1,
  maxTokens: 1,
});

describe("ExtProcSession with flow control holding the request", () => {
  it("answers nothing while held, then the pick followed by what later messages owed, in order", async () => {
    const { processor, held } = heldRouter();
    const s = processor.open();
    s.handle(headers(POST));
    expect(s.handle(body(chat("llama"), true))).toEqual([]);
    const deferred = s.takeDeferred();
    expect(deferred).toBeDefined();
    expect(s.takeDeferred()).toBeUndefined();
    expect(s.handle(trailers("request"))).toEqual([]);
    held[0]!.resolve(decision(new TextEncoder().encode(chat("llama"))));
    const replies = await deferred!;
    expect(replies.map((r) => r.response.case)).toEqual(["requestHeaders", "requestBody", "requestTrailers"]);
    expect(setHeaders(replies[0])["x-gateway-destination-endpoint"]).toBe("10.0.0.1:8000");
  });

  it("a stream closed while held cancels the wait and delivers nothing", async () => {
    const { processor, held } = heldRouter();
    const s = processor.open();
    s.handle(headers(POST));
    s.handle(body(chat("llama"), true));
    const deferred = s.takeDeferred()!;
    s.close("cancel");
    expect(held[0]!.cancelled).toBe(true);
    expect(await deferred).toEqual([]);
    expect(processor.active).toBe(0);
  });

  it("a drop is an ImmediateResponse with the reason header", async () => {
    const { processor, held } = heldRouter();
    const s = processor.open();
    s.handle(headers(POST));
    s.handle(body(chat("llama"), true));
    const deferred = s.takeDeferred()!;
    held[0]!.reject(droppedError("rejected-ttl-expired", "expired"));
    const [reply] = await deferred;
    const ir = reply?.response.case === "immediateResponse" ? reply.response.value : undefined;
    expect(ir?.status?.code).toBe(429);
    expect(new TextDecoder().decode(ir?.body)).toBe("inference error: ResourceExhausted - expired");
    const h = ir?.headers?.setHeaders.map((x) => [
      x.header?.key,
      new TextDecoder().decode(x.header?.rawValue),
    ]);
    expect(h).toEqual([["x-llm-d-request-dropped-reason", "rejected-ttl-expired"]]);
    expect(s.finished).toBe(true);
  });
});
