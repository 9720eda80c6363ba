import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom, type Random } from "../../src/core/random.js";
import { openHeldStream } from "../../src/push/held-stream.js";
import {
  createPushLoop,
  type PushEvent,
  type PushLoopOptions,
  type PushSend,
} from "../../src/push/push-loop.js";
import { createManualTimers } from "../../src/push/timers.js";

type Msg = { sequence: bigint; draining: boolean };

/** Lets every promise chain started by a fired timer run to its end. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function harness(o: Partial<PushLoopOptions<Msg>> & { random?: Random } = {}) {
  const clock = createManualClock(1_764_144_000_000);
  const timers = createManualTimers(clock);
  const sent: Msg[] = [];
  const events: PushEvent<Msg>[] = [];
  const state = { up: true, hang: false };
  const send: PushSend<Msg> = {
    mode: "unary",
    async push(m, signal) {
      if (state.hang) {
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      }
      if (!state.up) throw new ConnectError("connect ECONNREFUSED", Code.Unavailable);
      sent.push(m);
    },
  };
  const loop = createPushLoop<Msg>({
    intervalMs: 1000,
    timeoutMs: 500,
    produce: (final) => ({ sequence: 0n, draining: final }),
    send,
    clock,
    random: createSeededRandom(1),
    timers,
    onPush: (e) => events.push(e),
    ...o,
  });
  /** Moves the clock on and lets the rounds it starts finish. */
  const run = async (ms: number) => {
    timers.advance(ms);
    await flush();
  };
  return { clock, timers, loop, sent, events, state, run };
}

describe("createPushLoop", () => {
  it("pushes at once on start, then once per interval while pushes succeed", async () => {
    const h = harness();
    h.loop.start();
    await h.run(0);
    expect(h.sent).toHaveLength(1);
    await h.run(999);
    expect(h.sent).toHaveLength(1);
    await h.run(1);
    expect(h.sent).toHaveLength(2);
    expect(h.sent[0]!.sequence).toBe(1_764_144_000_000_000n);
    expect(h.sent[1]!.sequence).toBe(1_764_144_001_000_000n);
    await h.loop.close();
  });

  it("backs off exponentially with jitter within bounds while pushes fail", async () => {
    const h = harness({ random: createSeededRandom(42) });
    h.state.up = false;
    h.loop.start();
    await h.run(0);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const e = h.events.at(-1)!;
      expect(e).toMatchObject({ ok: false, attempt });
      if (e.ok) throw new Error("expected a failure");
      const capped = Math.min(10_000, 200 * 2 ** (attempt - 1));
      expect(e.retryInMs).toBeGreaterThanOrEqual(capped / 2);
      expect(e.retryInMs).toBeLessThanOrEqual(capped);
      delays.push(e.retryInMs);
      // The next attempt comes after the backoff, not before.
      await h.run(e.retryInMs - 1);
      expect(h.events).toHaveLength(attempt);
      await h.run(1);
    }
    // Jittered: not every delay sits on its bound.
    expect(delays.some((d, i) => d !== Math.min(10_000, 200 * 2 ** i))).toBe(true);
    await h.loop.close();
  });

  it("returns to the interval after a success, and the next failure starts the backoff over", async () => {
    const h = harness({ random: { next: () => 0.999999 } });
    h.state.up = false;
    h.loop.start();
    await h.run(0);
    await h.run(200);
    await h.run(400);
    expect(h.loop.stats).toMatchObject({ consecutiveFailures: 3, nextDelayMs: 800 });
    h.state.up = true;
    await h.run(800);
    expect(h.loop.stats).toMatchObject({ consecutiveFailures: 0, nextDelayMs: 1000, pushes: 1 });
    h.state.up = false;
    await h.run(1000);
    expect(h.events.at(-1)).toMatchObject({ ok: false, attempt: 1, retryInMs: 200 });
    await h.loop.close();
  });

  it("marks only the first push and each change between failing and succeeding", async () => {
    const h = harness({ random: { next: () => 0.999999 } });
    h.loop.start();
    await h.run(0);
    await h.run(1000);
    h.state.up = false;
    await h.run(1000);
    await h.run(200);
    h.state.up = true;
    await h.run(400);
    await h.run(1000);
    expect(h.events.map((e) => [e.ok, e.changed])).toEqual([
      [true, true],
      [true, false],
      [false, true],
      [false, false],
      [true, true],
      [true, false],
    ]);
    expect(h.events[4]).toMatchObject({ ok: true, failuresBefore: 2 });
    await h.loop.close();
  });

  it("keeps sequences strictly increasing within a run and across a restart", async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.loop.round();
    h.clock.advance(-5000);
    await h.loop.round();
    await h.loop.close();
    const before = h.sent.map((m) => m.sequence);
    expect(before).toEqual([...before].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(before).size).toBe(4);

    // The same producer restarted a moment after its last push (the clock has gone past it again).
    h.clock.advance(5001);
    const restarted = createPushLoop<Msg>({
      intervalMs: 1000,
      timeoutMs: 500,
      produce: () => ({ sequence: 0n, draining: false }),
      send: { mode: "unary", push: async (m) => void h.sent.push(m) },
      clock: h.clock,
      random: createSeededRandom(1),
      timers: h.timers,
    });
    await restarted.round();
    expect(h.sent.at(-1)!.sequence > before.at(-1)!).toBe(true);
    await restarted.close();
  });

  it("skips a round with nothing to push without using a sequence", async () => {
    let have = false;
    const h = harness({ produce: () => (have ? { sequence: 0n, draining: false } : undefined) });
    expect(await h.loop.round()).toBe(1000);
    expect(h.sent).toHaveLength(0);
    have = true;
    await h.loop.round();
    expect(h.sent[0]!.sequence).toBe(1_764_144_000_000_000n);
  });

  it("cuts a push that gets no answer at the timeout and counts it as a failure", async () => {
    const h = harness({ random: { next: () => 0 } });
    h.state.hang = true;
    h.loop.start();
    await h.run(0);
    expect(h.events).toHaveLength(0);
    await h.run(500);
    expect(h.events[0]).toMatchObject({ ok: false, attempt: 1, retryInMs: 100 });
    if (h.events[0]!.ok) throw new Error("expected a failure");
    expect(h.events[0]!.error.code).toBe(Code.DeadlineExceeded);
    await h.loop.close();
  });

  it("stops on close and sends the draining push once", async () => {
    const h = harness({ finalPush: true });
    h.loop.start();
    await h.run(0);
    await h.run(1000);
    expect(await h.loop.close()).toBe(true);
    expect(await h.loop.close()).toBe(false);
    expect(h.timers.pending()).toBe(0);
    await h.run(10_000);
    expect(h.sent.map((m) => m.draining)).toEqual([false, false, true]);
    expect(h.sent[2]!.sequence > h.sent[1]!.sequence).toBe(true);
  });

  it("cuts a push in flight on close so the draining push is the last word", async () => {
    const h = harness({ finalPush: true });
    h.state.hang = true;
    h.loop.start();
    await h.run(0);
    h.state.hang = false;
    const closed = h.loop.close();
    await flush();
    expect(await closed).toBe(true);
    expect(h.sent.map((m) => m.draining)).toEqual([true]);
    expect(h.events.filter((e) => !e.ok)).toHaveLength(0);
    expect(h.timers.pending()).toBe(0);
  });

  it("pushes nothing more on close when no final push is asked for", async () => {
    const h = harness();
    h.loop.start();
    await h.run(0);
    expect(await h.loop.close()).toBe(false);
    await h.run(10_000);
    expect(h.sent).toHaveLength(1);
    expect(h.timers.pending()).toBe(0);
  });
});

describe("createPushLoop over a held stream", () => {
  /** A fake StreamSnapshots call per stream opened; `reset(i)` fails stream i as an RST_STREAM would. */
  function streams() {
    const calls: { received: Msg[]; reset: (err: unknown) => void; ended: boolean }[] = [];
    const send: PushSend<Msg> = {
      mode: "stream",
      open: () =>
        openHeldStream<Msg>(async (requests) => {
          let reset: (err: unknown) => void = () => {};
          const failed = new Promise<never>((_, reject) => (reset = reject));
          const call = { received: [] as Msg[], reset, ended: false };
          calls.push(call);
          const it = requests[Symbol.asyncIterator]();
          for (;;) {
            const next = await Promise.race([it.next(), failed]);
            if (next.done) break;
            call.received.push(next.value);
          }
          call.ended = true;
        }),
    };
    return { calls, send };
  }

  it("sends every push on one stream and reconnects after a reset", async () => {
    const s = streams();
    const h = harness({ send: s.send, finalPush: true });
    h.loop.start();
    await h.run(0);
    await h.run(1000);
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]!.received).toHaveLength(2);
    s.calls[0]!.reset(new ConnectError("stream reset", Code.Unavailable));
    await flush();
    await h.run(1000);
    expect(s.calls).toHaveLength(2);
    expect(s.calls[1]!.received).toHaveLength(1);
    const all = [...s.calls[0]!.received, ...s.calls[1]!.received].map((m) => m.sequence);
    expect(new Set(all).size).toBe(3);
    expect(await h.loop.close()).toBe(true);
    expect(s.calls[1]!.received.at(-1)!.draining).toBe(true);
    expect(s.calls[1]!.ended).toBe(true);
  });

  it("counts a push lost with its stream as a failure and opens a new stream for the next", async () => {
    const s = streams();
    let failNext = false;
    const send: PushSend<Msg> = {
      mode: "stream",
      open: () => {
        const stream = (s.send as Extract<PushSend<Msg>, { mode: "stream" }>).open();
        return {
          ...stream,
          write: (m) => (failNext ? Promise.reject(new Error("reset")) : stream.write(m)),
          end: () => stream.end(),
          abort: () => stream.abort(),
          get broken() {
            return stream.broken;
          },
        };
      },
    };
    const h = harness({ send, random: { next: () => 0 } });
    h.loop.start();
    await h.run(0);
    failNext = true;
    await h.run(1000);
    expect(h.events.at(-1)).toMatchObject({ ok: false, attempt: 1 });
    failNext = false;
    await h.run(100);
    expect(h.events.at(-1)).toMatchObject({ ok: true, changed: true });
    expect(s.calls).toHaveLength(2);
    await h.loop.close();
  });
});
