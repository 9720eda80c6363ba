import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { edgeFor, resetIsolate } from "../../runtimes/worker/index.js";
import { answers, chat, FRANKFURT, model, mustPush, playRegions, rpc, VIRGINIA } from "./helpers.js";

const FROM_FRANKFURT = { colo: "FRA", continent: "EU", country: "DE", latitude: "50.11", longitude: "8.68" };
let restore: (() => void) | undefined;

afterEach(() => {
  restore?.();
  restore = undefined;
  resetIsolate();
});

/** Two healthy regions for `name`, EU and US, each with its own host. */
async function twoRegions(name: string, eu: Record<string, unknown> = {}, us: Record<string, unknown> = {}) {
  await mustPush({
    region: `${name}-eu`,
    baseUrl: `https://${name}-eu.test`,
    location: FRANKFURT,
    models: [model(name, eu)],
  });
  await mustPush({
    region: `${name}-us`,
    baseUrl: `https://${name}-us.test`,
    location: VIRGINIA,
    models: [model(name, us)],
  });
}

function play(name: string, eu = answers("eu"), us = answers("us")) {
  const p = playRegions({ [`${name}-eu.test`]: eu, [`${name}-us.test`]: us });
  restore = p.restore;
  return p;
}

describe("the region pick from a European colo", () => {
  it("goes to the European region when both are healthy", async () => {
    await twoRegions("pick-healthy");
    const { seen } = play("pick-healthy");
    const res = await chat("pick-healthy", FROM_FRANKFURT);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edge-region")).toBe("pick-healthy-eu");
    expect(await res.json()).toEqual({ served_by: "eu" });
    expect(seen.map((s) => s.host)).toEqual(["pick-healthy-eu.test"]);
    expect(new URL(seen[0]!.request.url).pathname).toBe("/v1/chat/completions");
    expect(seen[0]!.request.headers.get("x-request-id")).toBeTruthy();
  });

  it("goes to the other region when the European one is saturated", async () => {
    await twoRegions("pick-saturated", { saturation: 1, freeCapacity: 0, queueDepth: 40 });
    play("pick-saturated");
    const res = await chat("pick-saturated", FROM_FRANKFURT);
    expect(res.headers.get("x-edge-region")).toBe("pick-saturated-us");
  });

  it("goes to the other region when the European one is stale", async () => {
    await twoRegions("pick-stale");
    // REGION_STALE_MS is 1500 in the test config: let both age, then only the US region pushes again.
    await new Promise((r) => setTimeout(r, 1700));
    await mustPush({
      region: "pick-stale-us",
      baseUrl: "https://pick-stale-us.test",
      location: VIRGINIA,
      models: [model("pick-stale")],
    });
    play("pick-stale");
    const res = await chat("pick-stale", FROM_FRANKFURT);
    expect(res.headers.get("x-edge-region")).toBe("pick-stale-us");
  });

  it("answers 404 for a model no region serves and 503 when its regions are all out", async () => {
    await mustPush({
      region: "out-eu",
      baseUrl: "https://out-eu.test",
      location: FRANKFURT,
      draining: true,
      models: [model("pick-out")],
    });
    expect((await chat("pick-nobody", FROM_FRANKFURT)).status).toBe(404);
    const res = await chat("pick-out", FROM_FRANKFURT);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("pick-out");
  });
});

describe("failover before the first byte", () => {
  it("tries the next region when the first refuses the connection", async () => {
    await twoRegions("fail-connect");
    const p = playRegions({ "fail-connect-us.test": answers("us") });
    restore = p.restore;
    const res = await chat("fail-connect", FROM_FRANKFURT);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edge-region")).toBe("fail-connect-us");
    expect(p.seen.map((s) => s.host)).toEqual(["fail-connect-eu.test", "fail-connect-us.test"]);
  });

  it.each([500, 503, 429])("tries the next region when the first answers %i", async (status) => {
    const name = `fail-status-${status}`;
    await twoRegions(name);
    const { seen } = play(name, answers("eu", status));
    const res = await chat(name, FROM_FRANKFURT);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edge-region")).toBe(`${name}-us`);
    expect(seen).toHaveLength(2);
    // The body was sent again, whole.
    expect((JSON.parse(seen[1]!.body) as { model: string }).model).toBe(name);
  });

  it("passes the last region's error through when every region fails with a status", async () => {
    await twoRegions("fail-all");
    play("fail-all", answers("eu", 503), answers("us", 502));
    const res = await chat("fail-all", FROM_FRANKFURT);
    expect(res.status).toBe(502);
    expect(res.headers.get("x-edge-region")).toBe("fail-all-us");
  });

  it("answers 502 when no region can be reached", async () => {
    await twoRegions("fail-none");
    restore = playRegions({}).restore;
    const res = await chat("fail-none", FROM_FRANKFURT);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("fail-none-eu");
  });
});

describe("streaming", () => {
  it("passes SSE through untouched, event by event", async () => {
    await twoRegions("sse");
    const events = [
      'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n',
      'data: {"choices":[{"delta":{"content":"lo"}}]}\n\n',
      "data: [DONE]\n\n",
    ];
    play("sse", () => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const e of events) {
            controller.enqueue(encoder.encode(e));
            await new Promise((r) => setTimeout(r, 5));
          }
          controller.close();
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    });
    const res = await chat("sse", FROM_FRANKFURT, { stream: true });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe(events.join(""));
    expect(chunks).toBeGreaterThan(1);
  });
});

describe("sessions", () => {
  it("keep a session on its region while that region stays healthy", async () => {
    // The EU region is saturated: session A starts in the US.
    await twoRegions("sticky", { saturation: 1, freeCapacity: 0 });
    restore = play("sticky").restore;
    expect((await chat("sticky", FROM_FRANKFURT, { session: "A" })).headers.get("x-edge-region")).toBe(
      "sticky-us",
    );
    // EU recovers: a new session goes there, session A stays in the US.
    await twoRegions("sticky");
    expect((await chat("sticky", FROM_FRANKFURT, { session: "B" })).headers.get("x-edge-region")).toBe(
      "sticky-eu",
    );
    expect((await chat("sticky", FROM_FRANKFURT, { session: "A" })).headers.get("x-edge-region")).toBe(
      "sticky-us",
    );
    // The US region saturates: session A moves on.
    await mustPush({
      region: "sticky-us",
      baseUrl: "https://sticky-us.test",
      location: VIRGINIA,
      models: [model("sticky", { saturation: 1, freeCapacity: 0 })],
    });
    expect((await chat("sticky", FROM_FRANKFURT, { session: "A" })).headers.get("x-edge-region")).toBe(
      "sticky-eu",
    );
  });

  it("keep a session on its region across isolates: the Durable Object holds it", async () => {
    await twoRegions("across", { saturation: 1, freeCapacity: 0 });
    restore = play("across").restore;
    expect((await chat("across", FROM_FRANKFURT, { session: "X" })).headers.get("x-edge-region")).toBe(
      "across-us",
    );
    // The write to the Durable Object is off the response path (waitUntil); wait for it here.
    await edgeFor(env).sessions.settled();
    const stub = env.REGIONS.get(env.REGIONS.idFromName("directory"));
    const rows = await runInDurableObject(stub, (_o, state) =>
      state.storage.sql.exec<{ region: string }>("SELECT region FROM sessions WHERE key = 's:X'").toArray(),
    );
    expect(rows).toEqual([{ region: "across-us" }]);
    // A fresh isolate, which never saw session X, after the EU region recovered.
    resetIsolate();
    await twoRegions("across");
    // Explain in the fresh isolate reads the session's region from the Durable Object too.
    const explained = (await (
      await rpc("ExplainRegion", { model: "across", colo: "FRA", sessionId: "X" }, null)
    ).json()) as { picked?: string[]; stickyRegion?: string };
    expect(explained.stickyRegion).toBe("across-us");
    expect(explained.picked?.[0]).toBe("across-us");
    expect((await chat("across", FROM_FRANKFURT, { session: "Y" })).headers.get("x-edge-region")).toBe(
      "across-eu",
    );
    expect((await chat("across", FROM_FRANKFURT, { session: "X" })).headers.get("x-edge-region")).toBe(
      "across-us",
    );
  });

  it("are refused by the Durable Object when malformed, and a refused batch changes nothing", async () => {
    const stub = env.REGIONS.get(env.REGIONS.idFromName("directory"));
    const outcome = await runInDurableObject(stub, (o) =>
      o.recordSessions({
        entries: [
          { key: "s:refused-1", region: "eu" },
          { key: "s:refused-2", region: "no spaces allowed" },
        ],
      }),
    );
    expect(outcome).toMatchObject({ ok: false, code: "BadRequest" });
    expect(outcome.ok ? "" : outcome.message).toContain("entries[1].region");
    const lookup = await runInDurableObject(stub, (o) => o.lookupSessions({ keys: ["s:refused-1"] }));
    expect(lookup).toEqual({ ok: true, hits: [] });
    const bad = await runInDurableObject(stub, (o) => o.lookupSessions({ keys: "s:refused-1" }));
    expect(bad).toMatchObject({ ok: false, code: "BadRequest" });
  });
});
