import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { flowControlConfigFrom } from "../../src/flowcontrol/config.js";
import { evictable, evictedBefore, InFlightRegistry } from "../../src/flowcontrol/eviction.js";
import { FlowController } from "../../src/flowcontrol/flow-controller.js";
import type { FlowRequest } from "../../src/flowcontrol/types.js";
import { createManualTimers } from "../../src/push/timers.js";

const req = (priority: number, pool = "p"): FlowRequest => ({
  pool,
  flowId: "default-flow",
  priority,
  bytes: 10,
  inputTokens: 100,
  outputTokens: 10,
});

describe("eviction policies", () => {
  it("sheddable-eviction-filter: only priority < 0, and only below the blocked band", () => {
    expect(evictable(req(-1), 2)).toBe(true);
    expect(evictable(req(-2), -1)).toBe(true);
    expect(evictable(req(-1), -1)).toBe(false);
    expect(evictable(req(0), 2)).toBe(false);
    expect(evictable(req(1), 2)).toBe(false);
  });

  it("priority-then-time-eviction-order-policy: lowest priority first, then the newest dispatch", () => {
    const e = (priority: number, dispatchedAt: number, seq: number) => ({
      req: req(priority),
      dispatchedAt,
      seq,
      evict() {},
    });
    expect(evictedBefore(e(-2, 0, 0), e(-1, 100, 1))).toBe(true);
    expect(evictedBefore(e(-1, 100, 1), e(-2, 0, 0))).toBe(false);
    expect(evictedBefore(e(-1, 100, 0), e(-1, 50, 1))).toBe(true);
    expect(evictedBefore(e(-1, 50, 0), e(-1, 50, 1))).toBe(false);
  });

  it("the registry takes at most `max` victims, in order, of the pool, and forgets finished ones", () => {
    const r = new InFlightRegistry();
    const evicted: string[] = [];
    const add = (name: string, priority: number, at: number, pool = "p") =>
      r.add(req(priority, pool), at, () => evicted.push(name));
    add("old-1", -1, 10);
    const done = add("newest-1", -1, 40);
    add("mid-1", -1, 30);
    add("old-2", -2, 5);
    add("other-pool", -3, 50, "q");
    add("zero", 0, 60);
    done(); // finished: no longer evictable
    const victims = r.take("p", 2, 2);
    for (const v of victims) v.evict();
    expect(victims.map((v) => v.req.priority)).toEqual([-2, -1]);
    expect(evicted).toEqual(["old-2", "mid-1"]);
    expect(r.take("p", -1, 2)).toEqual([]);
    expect(r.take("p", 2, 2).map((v) => v.dispatchedAt)).toEqual([10]);
    expect(r.size("p")).toBe(1); // "zero" (priority 0) never goes
    expect(r.size("q")).toBe(1);
  });
});

describe("FlowController eviction", () => {
  function setup(enableEviction: boolean, evictionConfirmationGraceMs?: number) {
    const clock = createManualClock(0);
    const state = { saturation: 0 };
    const fc = new FlowController({
      clock,
      timers: createManualTimers(clock),
      config: flowControlConfigFrom({ enableEviction, priorityBands: [] }),
      saturation: () => state.saturation,
      hasEndpoints: () => true,
      ...(evictionConfirmationGraceMs !== undefined && { evictionConfirmationGraceMs }),
    });
    const evicted: string[] = [];
    const finished = new Map<string, () => void>();
    /** Submits a request that, once dispatched, stays in flight (its release frees 0.25 of saturation). */
    const send = (name: string, priority: number) =>
      fc.submit(req(priority), () => {
        state.saturation += 0.25;
        clock.advance(1);
        finished.set(
          name,
          fc.dispatched(req(priority), () => {
            evicted.push(name);
            state.saturation -= 0.25;
            fc.notify("p");
          }),
        );
        return name;
      });
    return { fc, state, evicted, finished, send, clock };
  }

  it("a blocked critical request evicts the newest sheddable one in flight and is dispatched", async () => {
    const { fc, evicted, send } = setup(true);
    for (const n of ["b1", "b2", "b3", "b4"]) expect(send(n, -1)).toBe(n);
    const critical = send("critical", 2);
    expect(evicted).toEqual(["b4"]);
    expect(await critical).toBe("critical");
    expect(fc.queued).toBe(0);
  });

  it("at most 2 evictions per decision, one at a time while still blocked", async () => {
    const { fc, state, evicted, send } = setup(true);
    for (const n of ["b1", "b2", "b3", "b4"]) send(n, -1);
    state.saturation = 2; // evicting two frees 0.5: still full
    const critical = send("critical", 2);
    expect(evicted).toEqual(["b4", "b3"]);
    expect(fc.queued).toBe(1);
    state.saturation = 1.25; // a push: the next decision needs two more
    fc.notify("p");
    expect(evicted).toEqual(["b4", "b3", "b2", "b1"]);
    expect(await critical).toBe("critical");
    expect(fc.queued).toBe(0);
  });

  it("with a confirmation grace, no new eviction round runs until it has passed (upstream's pacing)", async () => {
    const { fc, state, evicted, send, clock } = setup(true, 500);
    for (const n of ["b1", "b2", "b3", "b4"]) send(n, -1);
    state.saturation = 2;
    const critical = send("critical", 2);
    expect(evicted).toEqual(["b4", "b3"]);
    state.saturation = 1.25;
    clock.advance(499);
    fc.notify("p");
    expect(evicted).toEqual(["b4", "b3"]); // 499 ms after the round: still within the grace
    clock.advance(1);
    fc.notify("p");
    expect(evicted).toEqual(["b4", "b3", "b2", "b1"]);
    expect(await critical).toBe("critical");
  });

  it("a band does not evict its own priority or a higher one", () => {
    const { fc, state, evicted, send } = setup(true);
    send("b1", -1);
    send("c1", 2);
    state.saturation = 1;
    const batch = send("b2", -1);
    const critical = send("c2", 2);
    expect(evicted).toEqual(["b1"]); // only for the critical band, and only the sheddable one
    expect(fc.queued).toBe(1); // b2 waits: the batch band evicts nothing
    (batch as Promise<unknown>).catch(() => {});
    (critical as Promise<unknown>).catch(() => {});
    fc.shutdown();
  });

  it("finished requests are not evicted; without enableEviction nothing is", () => {
    const on = setup(true);
    on.send("b1", -1);
    on.send("b2", -1);
    on.finished.get("b2")!();
    on.state.saturation = 1;
    on.send("critical", 2);
    expect(on.evicted).toEqual(["b1"]);

    const off = setup(false);
    for (const n of ["b1", "b2", "b3", "b4"]) off.send(n, -1);
    const critical = off.send("critical", 2);
    expect(off.evicted).toEqual([]);
    expect(off.fc.queued).toBe(1);
    (critical as Promise<unknown>).catch(() => {});
    off.fc.shutdown();
  });
});
