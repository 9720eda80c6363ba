import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { RouterError } from "../../src/core/errors.js";
import {
  type FairnessPolicyName,
  type FlowControlConfig,
  flowControlConfigFrom,
  type OrderingPolicyName,
} from "../../src/flowcontrol/config.js";
import { createFairnessPolicy } from "../../src/flowcontrol/fairness.js";
import { FlowController } from "../../src/flowcontrol/flow-controller.js";
import { DROPPED_REASON_HEADER } from "../../src/flowcontrol/outcomes.js";
import type { FlowRequest, QueueOutcome } from "../../src/flowcontrol/types.js";
import { createManualTimers } from "../../src/push/timers.js";

function setup(config: FlowControlConfig = flowControlConfigFrom(undefined)) {
  const clock = createManualClock(1000);
  const timers = createManualTimers(clock);
  const state = { saturation: 1, endpoints: true };
  const outcomes: QueueOutcome[] = [];
  let queued = 0;
  const fc = new FlowController({
    clock,
    timers,
    config,
    saturation: () => state.saturation,
    hasEndpoints: () => state.endpoints,
    metrics: {
      queueChanged: (_r, n) => {
        queued += n;
      },
      finished: (_r, o) => outcomes.push(o),
    },
  });
  const order: string[] = [];
  /** Submits a request whose dispatch records its name, and lets exactly `n` more dispatch. */
  let budget = 0;
  const submit = (name: string, r: Partial<FlowRequest> = {}) =>
    fc.submit(
      { pool: "p", flowId: "default-flow", priority: 0, bytes: 10, inputTokens: 100, outputTokens: 10, ...r },
      () => {
        order.push(name);
        if (--budget <= 0) state.saturation = 1;
        return name;
      },
    );
  const room = (n: number) => {
    budget = n;
    state.saturation = 0;
    fc.notify("p");
  };
  return { fc, clock, timers, state, outcomes, order, submit, room, queued: () => queued };
}

const band = (fairness: FairnessPolicyName, ordering: OrderingPolicyName = "fcfs-ordering-policy") =>
  flowControlConfigFrom({
    priorityBands: [],
    defaultPriorityBand: { fairnessPolicyRef: fairness, orderingPolicyRef: ordering },
  });

async function rejection(p: unknown): Promise<RouterError> {
  try {
    await p;
  } catch (err) {
    return err as RouterError;
  }
  throw new Error("resolved");
}

describe("FlowController", () => {
  it("dispatches at once when the pool has room and nothing waits", () => {
    const t = setup();
    t.state.saturation = 0.5;
    expect(t.submit("a")).toBe("a");
    expect(t.outcomes).toEqual(["Dispatched"]);
    expect(t.fc.queued).toBe(0);
  });

  it("holds requests while saturated and dispatches them when notified of room", async () => {
    const t = setup();
    const a = t.submit("a");
    const b = t.submit("b");
    expect(a).toBeInstanceOf(Promise);
    expect(t.fc.queued).toBe(2);
    t.room(1);
    expect(await a).toBe("a");
    expect(t.fc.queued).toBe(1);
    t.room(1);
    expect(await b).toBe("b");
    expect(t.queued()).toBe(0);
  });

  it("serves bands in strict priority order", () => {
    const t = setup();
    t.submit("batch", { priority: -1 });
    t.submit("standard", { priority: 0 });
    t.submit("critical", { priority: 2 });
    t.room(3);
    expect(t.order).toEqual(["critical", "standard", "batch"]);
  });

  it("global-strict serves a band first come first served whatever the flow", () => {
    const t = setup(band("global-strict-fairness-policy"));
    for (let i = 0; i < 4; i++) t.submit(`a${i}`, { flowId: "a" });
    t.submit("b0", { flowId: "b" });
    t.room(5);
    expect(t.order).toEqual(["a0", "a1", "a2", "a3", "b0"]);
  });

  it("round-robin alternates between flows of one band", () => {
    const t = setup(band("round-robin-fairness-policy"));
    for (let i = 0; i < 4; i++) t.submit(`a${i}`, { flowId: "a" });
    for (let i = 0; i < 2; i++) t.submit(`b${i}`, { flowId: "b" });
    t.room(6);
    expect(t.order).toEqual(["a0", "b0", "a1", "b1", "a2", "a3"]);
  });

  it("program-aware-fairness serves the flow with the least attained tokens, output counted twice", () => {
    const t = setup(band("program-aware-fairness"));
    // Flow a has been served a large request already.
    t.state.saturation = 0;
    t.submit("a-big", { flowId: "a", inputTokens: 10_000, outputTokens: 0 });
    t.state.saturation = 1;
    t.submit("a1", { flowId: "a" });
    t.submit("b1", { flowId: "b", inputTokens: 100, outputTokens: 100 });
    t.submit("b2", { flowId: "b" });
    t.room(3);
    // b (no service yet) goes before a; after b1 (100 + 2x100 = 300 tokens) b still has less than a.
    expect(t.order.slice(1)).toEqual(["b1", "b2", "a1"]);
  });

  it("edf orders a band by enqueue + TTL; slo-deadline by x-llm-d-slo-ttft-ms, none last", () => {
    const slo = setup(band("global-strict-fairness-policy", "slo-deadline-ordering-policy"));
    slo.submit("none");
    slo.submit("slow", { sloTtftMs: 5000 });
    slo.submit("fast", { sloTtftMs: 100 });
    slo.room(3);
    expect(slo.order).toEqual(["fast", "slow", "none"]);

    const edf = setup(band("global-strict-fairness-policy", "edf-ordering-policy"));
    edf.submit("first");
    edf.clock.advance(10);
    edf.submit("second");
    edf.room(2);
    expect(edf.order).toEqual(["first", "second"]);
  });

  it("refuses a request past the band's maxRequests with 429 rejected-saturated", () => {
    const t = setup(flowControlConfigFrom({ priorityBands: [{ priority: 0, maxRequests: 2 }] }));
    t.submit("a");
    t.submit("b");
    let err: RouterError | undefined;
    try {
      t.submit("c");
    } catch (e) {
      err = e as RouterError;
    }
    expect(err?.httpStatus).toBe(429);
    expect(err?.headers?.[DROPPED_REASON_HEADER]).toBe("rejected-saturated");
    expect(err?.message).toMatch(/maxRequests 2/);
    expect(t.outcomes).toEqual(["RejectedCapacity"]);
  });

  it("enforces the global maxBytes across bands", () => {
    const t = setup(flowControlConfigFrom({ maxBytes: 25, priorityBands: [] }));
    t.submit("a", { priority: 1 });
    t.submit("b", { priority: -1 });
    expect(() => t.submit("c", { priority: 5 })).toThrow(/flowControl.maxBytes 25/);
  });

  it("expires a request after its TTL: 429 rejected-ttl-expired, or 503 rejected-no-endpoints on an empty pool", async () => {
    const t = setup(flowControlConfigFrom({ defaultRequestTTL: 500, priorityBands: [] }));
    const a = t.submit("a");
    t.timers.advance(499);
    expect(t.fc.queued).toBe(1);
    t.timers.advance(1);
    const err = await rejection(a);
    expect(err.httpStatus).toBe(429);
    expect(err.headers?.[DROPPED_REASON_HEADER]).toBe("rejected-ttl-expired");
    expect(t.fc.queued).toBe(0);

    t.state.endpoints = false;
    const b = t.submit("b");
    t.timers.advance(500);
    const err2 = await rejection(b);
    expect(err2.httpStatus).toBe(503);
    expect(err2.headers?.[DROPPED_REASON_HEADER]).toBe("rejected-no-endpoints");
    expect(t.outcomes).toEqual(["EvictedTTL", "EvictedNoEndpoints"]);
    expect(t.timers.pending()).toBe(0);
  });

  it("takes a cancelled request out of the queue at once, and never dispatches it", async () => {
    const t = setup();
    const a = t.submit("a") as Promise<string> & { cancel(): void };
    const ac = new AbortController();
    const b = t.fc.submit(
      { pool: "p", flowId: "f", priority: 0, bytes: 5, inputTokens: 1, outputTokens: 1 },
      () => "b",
      ac.signal,
    );
    a.cancel();
    ac.abort();
    expect(t.fc.queued).toBe(0);
    expect(t.fc.queuedBytes).toBe(0);
    expect((await rejection(a)).headers?.[DROPPED_REASON_HEADER]).toBe("rejected-context-cancelled");
    await rejection(b);
    t.room(2);
    expect(t.order).toEqual([]);
  });

  it("refuses what waits, and what comes, with 503 rejected-shutting-down", async () => {
    const t = setup();
    const a = t.submit("a");
    t.fc.shutdown();
    const err = await rejection(a);
    expect(err.httpStatus).toBe(503);
    expect(err.headers?.[DROPPED_REASON_HEADER]).toBe("rejected-shutting-down");
    expect(() => t.submit("b")).toThrow(RouterError);
  });

  it("rejects a queued request with the scheduler's error when its dispatch fails", async () => {
    const t = setup();
    const p = t.fc.submit(
      { pool: "p", flowId: "f", priority: 0, bytes: 1, inputTokens: 1, outputTokens: 1 },
      () => {
        throw new RouterError("ServiceUnavailable", "no endpoint");
      },
    );
    t.room(1);
    expect((await rejection(p)).message).toBe("no endpoint");
  });

  it("reports the band, the flow and the position a request would get", () => {
    const t = setup(band("round-robin-fairness-policy"));
    t.submit("a0", { flowId: "a" });
    t.submit("a1", { flowId: "a" });
    t.submit("hi", { priority: 3 });
    const req = { pool: "p", flowId: "b", priority: 0, bytes: 1, inputTokens: 1, outputTokens: 1 };
    expect(t.fc.placement(req)).toEqual({
      pool: "p",
      priority: 0,
      flowId: "b",
      queued: true,
      position: 2,
      poolQueued: 3,
    });
  });

  it("a reload that changes the ordering policy reorders what waits", () => {
    const t = setup(band("global-strict-fairness-policy"));
    t.submit("none");
    t.submit("fast", { sloTtftMs: 10 });
    t.fc.configure(band("global-strict-fairness-policy", "slo-deadline-ordering-policy"));
    t.room(2);
    expect(t.order).toEqual(["fast", "none"]);
  });

  it("priority-holdback-policy keeps headroom: a lower band stops dispatching below a higher one's ceiling", () => {
    const t = setup({
      ...flowControlConfigFrom(undefined),
      usageLimit: { policy: "priority-holdback-policy", domain: "rank", minCeiling: 0.6, maxCeiling: 1 },
    });
    t.submit("batch", { priority: -1 });
    t.submit("critical", { priority: 2 });
    t.state.saturation = 0.7;
    t.fc.notify("p");
    expect(t.order).toEqual(["critical"]);
    t.state.saturation = 0.5;
    t.fc.notify("p");
    expect(t.order).toEqual(["critical", "batch"]);
  });

  it("program-aware-fairness counts attained service as input + 2 x output tokens, halved every 60 s", () => {
    const policy = createFairnessPolicy("program-aware-fairness");
    const band = { priority: 0, active: [], flows: new Map(), requests: 0, bytes: 0 };
    const req = { pool: "p", flowId: "a", priority: 0, bytes: 1, inputTokens: 100, outputTokens: 10 };
    policy.dispatched(band, "a", req, 0);
    expect(policy.service?.("a", 0)).toBe(120);
    expect(policy.service?.("a", 60_000)).toBeCloseTo(60);
    expect(policy.service?.("b", 0)).toBe(0);
  });
});
