import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { enc, setup } from "./exchange-harness.js";

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
