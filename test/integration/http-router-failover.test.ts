/**
 * The HTTP router (`serve` as a child process) in front of upstreams the test controls, pushed into
 * the pool by the test: a dead endpoint that looks least loaded (so it is picked first), and two live
 * ones whose behaviour each request chooses with an `x-test-mode` header.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliProcess } from "./helpers/spawn-cli.js";
import { chatBody, inFlight, pushEndpoints, readChunks, startRouter, until } from "./http-router-helpers.js";

let router: CliProcess;
let base: string;
let api: number;
let dir: string;
let pusher: ReturnType<typeof setInterval>;
const upstreams: Server[] = [];
const hits: Record<string, number> = {};
const closed: string[] = [];
let dead = "";
const live: string[] = [];

const sse = { "content-type": "text/event-stream", "cache-control": "no-cache" };
/** Mode "step": the upstream writes its next event only when the test calls this (one stream at a time). */
let step: (() => void) | undefined;
const tick = (i: number) => `data: {"i":${i},"t":${Date.now()},"choices":[{"delta":{"content":"x"}}]}\n\n`;

/** One upstream: what it does depends on the request's x-test-mode header. */
function upstream(): Server {
  return createServer((req, res) => {
    const mode = String(req.headers["x-test-mode"] ?? "json");
    hits[mode] = (hits[mode] ?? 0) + 1;
    req.resume();
    res.on("close", () => closed.push(String(req.headers["x-request-id"])));
    if (mode === "json") return res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    if (mode === "slow-head") return void setTimeout(() => res.writeHead(200).end("late"), 3000);
    if (mode === "json-break" || mode === "json-stall") {
      // A JSON answer that promises 100 bytes, sends 12, then breaks the connection or goes silent.
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"choices":[');
      if (mode === "json-break") setTimeout(() => res.destroy(), 50);
      return;
    }
    res.writeHead(200, sse);
    let i = 0;
    res.write(tick(i++));
    if (mode === "stall" || mode === "hang") return; // one chunk, then silence
    if (mode === "step") {
      step = () => {
        if (i < 8) res.write(tick(i++));
        else res.end("data: [DONE]\n\n");
      };
      return;
    }
    const timer = setInterval(() => {
      if (mode === "break" && i === 2) {
        clearInterval(timer);
        return res.destroy();
      }
      res.write(tick(i++));
      if (i === 8) {
        clearInterval(timer);
        res.end("data: [DONE]\n\n");
      }
    }, 80);
    res.on("close", () => clearInterval(timer));
  });
}

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  // The demo config with short timeouts, so timeout paths finish quickly.
  dir = mkdtempSync(join(tmpdir(), "http-router-"));
  cpSync("runtimes/node/examples/demo", dir, { recursive: true });
  const routerYaml = readFileSync(join(dir, "router.yaml"), "utf8")
    .replace("firstByteTimeoutMs: 60000", "firstByteTimeoutMs: 1000")
    .replace("idleTimeoutMs: 60000", "idleTimeoutMs: 400");
  writeFileSync(join(dir, "router.yaml"), routerYaml);
  router = await startRouter(dir);
  api = router.port("api");
  base = `http://127.0.0.1:${router.port("http")}`;
  const gone = createServer();
  dead = await listen(gone);
  await new Promise((r) => gone.close(r));
  for (let i = 0; i < 2; i++) {
    const s = upstream();
    upstreams.push(s);
    live.push(await listen(s));
  }
  let sequence = 1;
  const push = () =>
    pushEndpoints(api, "test", sequence++, [
      { address: dead, waiting: 0 },
      { address: live[0]!, waiting: 3 },
      { address: live[1]!, waiting: 6 },
    ]);
  await push();
  pusher = setInterval(() => void push().catch(() => {}), 300);
});

afterAll(async () => {
  clearInterval(pusher);
  await router?.stop();
  for (const s of upstreams) {
    s.closeAllConnections();
    s.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (mode: string, body = chatBody(), signal?: AbortSignal) =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-test-mode": mode },
    body,
    ...(signal ? { signal } : {}),
  });

describe("HTTP router failover and stream endings", () => {
  it("fails over before the first byte when the picked replica is down", async () => {
    const res = await post("json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get("x-inference-attempts")).toBe("2");
    expect(live).toContain(res.headers.get("x-inference-endpoint"));
    expect(res.headers.get("x-inference-endpoint")).not.toBe(dead);
  });

  it("never retries after the first byte: a stream cut mid-way ends with an SSE error event", async () => {
    const before = hits.break ?? 0;
    const res = await post("break", chatBody({ stream: true }));
    expect(res.status).toBe(200);
    const text = (await readChunks(res)).map((c) => c.text).join("");
    expect(text).toMatch(/event: error\ndata: \{"error":\{"message":"the upstream stream broke/);
    expect(text).toContain('"code":"BadGateway"');
    expect(hits.break! - before).toBe(1); // the second live endpoint was not tried
    await until(async () => (await inFlight(api)) === 0, 3_000, "in-flight back to 0");
  });

  it("ends a stream that goes silent after proxy.idleTimeoutMs with an error event", async () => {
    const res = await post("stall", chatBody({ stream: true }));
    const text = (await readChunks(res)).map((c) => c.text).join("");
    expect(text).toContain('"code":"DeadlineExceeded"');
    await until(async () => (await inFlight(api)) === 0, 3_000, "in-flight back to 0");
  });

  it("answers 502, not a truncated 200, when a JSON answer breaks mid-body", async () => {
    const res = await post("json-break");
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain("broke");
  });

  it("answers 504 when a JSON answer goes silent for proxy.idleTimeoutMs mid-body", async () => {
    const res = await post("json-stall");
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("idleTimeoutMs");
  });

  it("answers 504 when no response head arrives within proxy.firstByteTimeoutMs, without retrying", async () => {
    const before = hits["slow-head"] ?? 0;
    const res = await post("slow-head");
    expect(res.status).toBe(504);
    expect((await res.json()).error).toMatchObject({ type: "timeout_error", code: "DeadlineExceeded" });
    expect(hits["slow-head"]! - before).toBe(1);
  });

  it("cancels the upstream request and releases in-flight when the client aborts", async () => {
    const client = new AbortController();
    const res = await post("hang", chatBody({ stream: true }), client.signal);
    const id = res.headers.get("x-request-id")!;
    await res.body!.getReader().read();
    expect(await inFlight(api)).toBe(1);
    client.abort();
    await until(() => closed.includes(id), 3_000, "the upstream connection to close");
    await until(async () => (await inFlight(api)) === 0, 3_000, "in-flight back to 0");
  });
});

// Against a second router with the demo config's timeouts: this file's router breaks a stream after
// 400 ms of upstream silence (for its timeout tests), and the upstreams live in this test process, so
// a loaded machine that stalls it that long would break a stream that did nothing wrong.
describe("HTTP router SSE pass-through (default timeouts)", () => {
  let plain: CliProcess;
  let plainBase: string;
  let plainPusher: ReturnType<typeof setInterval>;

  beforeAll(async () => {
    plain = await startRouter();
    plainBase = `http://127.0.0.1:${plain.port("http")}`;
    let sequence = 1;
    const push = () =>
      pushEndpoints(plain.port("api"), "test", sequence++, [{ address: live[0]! }, { address: live[1]! }]);
    await push();
    plainPusher = setInterval(() => void push().catch(() => {}), 300);
  });

  afterAll(async () => {
    clearInterval(plainPusher);
    await plain?.stop();
  });

  it("passes each SSE chunk through as the upstream writes it, not buffered to the end", async () => {
    // The upstream writes its next event only once the client has read the previous one: a proxy that
    // buffered would never hand event 0 over, and the test would fail at its timeout with the stream
    // stalled. Lockstep, not timing (the old check counted reads of events written 80 ms apart, which
    // merge when a loaded machine delays a read).
    // (How fast each arrives is measured by npm run bench:proxy, not asserted here.)
    const res = await fetch(`${plainBase}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-mode": "step" },
      body: chatBody({ stream: true }),
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const before = text.match(/"t":\d+/g)?.length ?? 0;
      text += decoder.decode(value, { stream: true });
      const after = text.match(/"t":\d+/g)?.length ?? 0;
      for (let k = before; k < after; k++) step?.();
    }
    expect(text.match(/"i":\d+/g)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `"i":${i}`));
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  });
});
