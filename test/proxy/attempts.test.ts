import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { type AttemptPlan, runAttempts } from "../../src/proxy/attempts.js";
import { defaultProxyOptions, type UpstreamFetch } from "../../src/proxy/proxy-options.js";
import type { Lease } from "../../src/state/in-flight.js";
import type { Endpoint } from "../../src/state/types.js";

const ep = (address: string) => ({ address }) as Endpoint;

/** Leases that remember whether they were released. */
function leases() {
  const all: { address: string; released: boolean }[] = [];
  const make = (address: string): Lease => {
    const rec = { address, released: false };
    all.push(rec);
    return {
      pool: "p",
      address,
      tokens: 10,
      release: () => {
        rec.released = true;
      },
    };
  };
  return { all, make, acquire: (_p: string, address: string) => make(address) };
}

function plan(l: ReturnType<typeof leases>, n = 3, signal = new AbortController().signal): AttemptPlan {
  const endpoints = Array.from({ length: n }, (_, i) => ep(`10.0.0.${i + 1}:8000`));
  return {
    pool: "p",
    endpoints,
    lease: l.make(endpoints[0]!.address),
    tokens: 10,
    path: "/v1/completions",
    method: "POST",
    headers: new Headers(),
    body: new Uint8Array([123, 125]),
    clientSignal: signal,
  };
}

/** A transport answering per host from a script: a status, "refuse", or "hang". */
function scripted(script: Record<string, number | "refuse" | "hang">): {
  fetch: UpstreamFetch;
  calls: string[];
} {
  const calls: string[] = [];
  const fetch: UpstreamFetch = (url, init) => {
    const host = new URL(url).host;
    calls.push(host);
    const what = script[host] ?? 200;
    if (what === "refuse")
      return Promise.reject(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }));
    if (what === "hang")
      return new Promise((_, reject) =>
        init.signal.addEventListener("abort", () => reject(init.signal.reason)),
      );
    return Promise.resolve(new Response(`status ${what}`, { status: what }));
  };
  return { fetch, calls };
}

describe("runAttempts", () => {
  it("fails over to the next endpoint on a refused connection, a 5xx and a 429, moving the lease", async () => {
    for (const failure of ["refuse", 503, 429] as const) {
      const l = leases();
      const t = scripted({ "10.0.0.1:8000": failure });
      const r = await runAttempts(plan(l), defaultProxyOptions, t.fetch, l.acquire);
      expect(r.response.status).toBe(200);
      expect(r.endpoint.address).toBe("10.0.0.2:8000");
      expect(r.attempts).toBe(2);
      expect(t.calls).toEqual(["10.0.0.1:8000", "10.0.0.2:8000"]);
      expect(l.all.map((x) => [x.address, x.released])).toEqual([
        ["10.0.0.1:8000", true],
        ["10.0.0.2:8000", false],
      ]);
      expect(r.lease?.address).toBe("10.0.0.2:8000");
    }
  });

  it("does not retry a 4xx: the engine's answer goes to the client", async () => {
    const l = leases();
    const t = scripted({ "10.0.0.1:8000": 400 });
    const r = await runAttempts(plan(l), defaultProxyOptions, t.fetch, l.acquire);
    expect(r.response.status).toBe(400);
    expect(t.calls).toHaveLength(1);
  });

  it("stops at maxAttempts and hands the last 5xx through as it is", async () => {
    const l = leases();
    const t = scripted({ "10.0.0.1:8000": 500, "10.0.0.2:8000": 502, "10.0.0.3:8000": 200 });
    const r = await runAttempts(plan(l), { ...defaultProxyOptions, maxAttempts: 2 }, t.fetch, l.acquire);
    expect(r.response.status).toBe(502);
    expect(r.attempts).toBe(2);
    expect(t.calls).toHaveLength(2);
  });

  it("answers BadGateway when no endpoint can be reached, with every lease released", async () => {
    const l = leases();
    const t = scripted({ "10.0.0.1:8000": "refuse", "10.0.0.2:8000": "refuse", "10.0.0.3:8000": "refuse" });
    const err = await runAttempts(plan(l), defaultProxyOptions, t.fetch, l.acquire).catch((e) => e);
    expect(err).toBeInstanceOf(RouterError);
    expect((err as RouterError).code).toBe("BadGateway");
    expect((err as RouterError).message).toContain("3 attempts");
    expect((err as RouterError).message).toContain("ECONNREFUSED");
    expect(l.all.every((x) => x.released)).toBe(true);
  });

  it("times out waiting for the first byte with DeadlineExceeded and does not retry", async () => {
    const l = leases();
    const t = scripted({ "10.0.0.1:8000": "hang" });
    const options = { ...defaultProxyOptions, firstByteTimeoutMs: 30 };
    const err = (await runAttempts(plan(l), options, t.fetch, l.acquire).catch((e) => e)) as RouterError;
    expect(err.code).toBe("DeadlineExceeded");
    expect(t.calls).toHaveLength(1);
    expect(l.all.every((x) => x.released)).toBe(true);
  });

  it("gives up at once when the client leaves while waiting, releasing the lease", async () => {
    const l = leases();
    const client = new AbortController();
    const t = scripted({ "10.0.0.1:8000": "hang" });
    const pending = runAttempts(plan(l, 3, client.signal), defaultProxyOptions, t.fetch, l.acquire);
    setTimeout(() => client.abort(), 10);
    const err = (await pending.catch((e) => e)) as RouterError;
    expect(err.field).toBe("client");
    expect(t.calls).toHaveLength(1);
    expect(l.all.every((x) => x.released)).toBe(true);
  });

  it("tries only the endpoints the pick returned", async () => {
    const l = leases();
    const t = scripted({ "10.0.0.1:8000": "refuse" });
    const err = (await runAttempts(plan(l, 1), defaultProxyOptions, t.fetch, l.acquire).catch(
      (e) => e,
    )) as RouterError;
    expect(err.code).toBe("BadGateway");
    expect(t.calls).toHaveLength(1);
  });
});
