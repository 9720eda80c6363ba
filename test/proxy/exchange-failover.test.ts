import { describe, expect, it } from "vitest";
import { dec, setup, tick } from "./exchange-harness.js";

describe("Exchange: failover before the first byte", () => {
  it("moves to the next endpoint on a refused connection, a 5xx and a 429, moving the lease", async () => {
    for (const failure of ["refuse", 503, 429] as const) {
      const { l, t, s, outcomes } = setup({ auto: { "10.0.0.1:8000": failure, "10.0.0.2:8000": 200 } });
      await tick();
      expect(t.calls.map((c) => c.target.address)).toEqual(["10.0.0.1:8000", "10.0.0.2:8000"]);
      expect(s.status).toBe(200);
      expect(s.headers["x-inference-endpoint"]).toBe("10.0.0.2:8000");
      expect(s.headers["x-inference-attempts"]).toBe("2");
      expect(l.all.map((x) => [x.address, x.released])).toEqual([
        ["10.0.0.1:8000", true],
        ["10.0.0.2:8000", true],
      ]);
      expect(outcomes).toEqual([expect.objectContaining({ status: "completed", endpoint: "10.0.0.2:8000" })]);
      if (failure !== "refuse") expect(t.calls[0]!.aborted).toBe(true);
    }
  });

  it("sends the filtered headers and the body, with the request id", async () => {
    const { t } = setup({ auto: { "10.0.0.1:8000": 200 } });
    await tick();
    const target = t.calls[0]!.target;
    expect(target.headers).toEqual({
      "content-type": "application/json",
      "x-request-id": "req-1",
      "accept-encoding": "identity",
    });
    expect(dec.decode(target.body)).toBe('{"model":"m"}');
  });

  it("does not retry a 4xx: the engine's answer goes to the client as it is", async () => {
    const { t, s } = setup({ auto: { "10.0.0.1:8000": 400 } });
    await tick();
    expect(t.calls).toHaveLength(1);
    expect(s.status).toBe(400);
    expect(s.text()).toBe("status 400");
  });

  it("stops at maxAttempts and hands the last 5xx through", async () => {
    const { t, s } = setup({
      auto: { "10.0.0.1:8000": 500, "10.0.0.2:8000": 502, "10.0.0.3:8000": 200 },
      options: { maxAttempts: 2 },
    });
    await tick();
    expect(t.calls).toHaveLength(2);
    expect(s.status).toBe(502);
    expect(s.headers["x-inference-attempts"]).toBe("2");
  });

  it("fails with BadGateway when no endpoint can be reached, every lease released, nothing written", async () => {
    const { l, s, failures, outcomes } = setup({
      auto: { "10.0.0.1:8000": "refuse", "10.0.0.2:8000": "refuse", "10.0.0.3:8000": "refuse" },
    });
    await tick();
    await tick();
    expect(failures).toHaveLength(1);
    expect(failures[0]!.code).toBe("BadGateway");
    expect(failures[0]!.message).toContain("3 attempts");
    expect(failures[0]!.message).toContain("ECONNREFUSED");
    expect(l.all.every((x) => x.released)).toBe(true);
    expect(s.status).toBe(0);
    expect(outcomes).toEqual([expect.objectContaining({ status: "failed" })]);
  });

  it("tries only the endpoints the pick returned", async () => {
    const { t, failures } = setup({ n: 1, auto: { "10.0.0.1:8000": "refuse" } });
    await tick();
    expect(t.calls).toHaveLength(1);
    expect(failures[0]!.code).toBe("BadGateway");
  });

  it("times out waiting for the first byte with DeadlineExceeded and does not retry", async () => {
    const { t, l, failures } = setup({ options: { firstByteTimeoutMs: 20 } });
    await new Promise((r) => setTimeout(r, 60));
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]!.aborted).toBe(true);
    expect(failures.map((f) => f.code)).toEqual(["DeadlineExceeded"]);
    expect(l.all.every((x) => x.released)).toBe(true);
  });

  it("gives up at once when the client leaves while waiting, releasing the lease", async () => {
    const { x, t, l, s, failures, outcomes } = setup({ options: { firstByteTimeoutMs: 20 } });
    x.cancel();
    await new Promise((r) => setTimeout(r, 40));
    expect(t.calls[0]!.aborted).toBe(true);
    expect(l.all.every((a) => a.released)).toBe(true);
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled"]);
    expect(failures).toHaveLength(0); // the timer died with the request
    expect(s.status).toBe(0);
  });
});
