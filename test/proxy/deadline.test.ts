import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Deadline } from "../../src/proxy/deadline.js";

function owner() {
  const o = { expired: 0, deadlineExpired: () => void o.expired++ };
  return o;
}

describe("Deadline", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("tells the owner once when a phase's time is up, not before", () => {
    const d = new Deadline();
    const o = owner();
    d.start(100, o);
    vi.advanceTimersByTime(99);
    expect(o.expired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(o.expired).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(o.expired).toBe(1);
  });

  it("runs phases one after another on one platform timer, re-armed only when it would fire too early", () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const d = new Deadline();
    const body = owner();
    const upstream = owner();
    d.start(30_000, body);
    vi.advanceTimersByTime(10);
    d.clear();
    d.start(60_000, upstream); // later than the armed timer: it serves
    d.idle(60_000, upstream);
    d.stop();
    expect(spy).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(120_000);
    expect(body.expired + upstream.expired).toBe(0);
    spy.mockRestore();
  });

  it("a later phase ends the earlier one: only the later owner hears of it, at its own time", () => {
    const d = new Deadline();
    const first = owner();
    const second = owner();
    d.start(100, first);
    vi.advanceTimersByTime(50);
    d.start(200, second);
    vi.advanceTimersByTime(199);
    expect(first.expired + second.expired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(first.expired).toBe(0);
    expect(second.expired).toBe(1);
  });

  it("a shorter later phase fires at its own time, not the armed timer's", () => {
    const d = new Deadline();
    const o = owner();
    d.start(30_000, owner());
    d.start(50, o);
    vi.advanceTimersByTime(50);
    expect(o.expired).toBe(1);
  });

  it("an idle phase expires only after that long without a touch", () => {
    const d = new Deadline();
    const o = owner();
    d.idle(100, o);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(80);
      d.touch();
    }
    expect(o.expired).toBe(0);
    vi.advanceTimersByTime(100);
    expect(o.expired).toBe(1);
  });

  it("nothing expires after clear() or stop()", () => {
    const d = new Deadline();
    const o = owner();
    d.start(100, o);
    d.clear();
    vi.advanceTimersByTime(500);
    d.idle(100, o);
    d.stop();
    vi.advanceTimersByTime(500);
    expect(o.expired).toBe(0);
  });
});
