/**
 * Slow uploads and buffered bodies (#19 finding 7) through the Node HTTP server: a client that has
 * not sent its whole body within limits.bodyReadTimeoutMs gets 408 and its connection is closed; the
 * router-wide budget of buffered body bytes refuses the body that would pass it with 503, and is
 * back to 0 once every request ended, however it ended.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { DualListener } from "../../../runtimes/node/dual-listener.js";
import { startHttpServer } from "../../../runtimes/node/http-server.js";
import { parseManifests } from "../../../src/api/parse-manifests.js";
import { createManualClock } from "../../../src/core/clock.js";
import { createSeededRandom } from "../../../src/core/random.js";
import { createHttpRouter } from "../../../src/http/http-router.js";
import { createRouterCore } from "../../../src/routing/router-core.js";
import { endpoint, snapshot } from "../../state/fixtures.js";

const config = (limits: string) => `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {limits: {${limits}}}
`;

let server: DualListener | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

async function start(limits: string) {
  const clock = createManualClock(Date.now());
  const parsed = parseManifests([{ path: "test.yaml", text: config(limits) }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(1) });
  core.store.push(snapshot(1, [endpoint("127.0.0.1:9")], { observedAt: clock.now() }));
  const http = createHttpRouter({ core });
  server = await startHttpServer({
    fetch: http.app.fetch,
    inference: http.inference,
    host: "127.0.0.1",
    port: 0,
    drainMs: 100,
  });
  return { core, port: server.port };
}

/** A raw client that sends a request head announcing `length` body bytes, then `sent` of them. */
function upload(port: number, length: number, sent: number) {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  let received = "";
  socket.on("data", (d) => {
    received += d.toString();
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`,
  );
  socket.write("x".repeat(sent));
  return { socket, closed, received: () => received };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe("the HTTP router's body read timeout", () => {
  it("answers a client still sending its body after bodyReadTimeoutMs with 408 and closes the connection", async () => {
    const { core, port } = await start("bodyReadTimeoutMs: 50");
    const c = upload(port, 1000, 10);
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(c.received().toLowerCase()).toContain("connection: close");
    expect(c.received()).toContain('"type":"timeout_error"');
    expect(c.received()).toContain("RouterConfig spec.limits.bodyReadTimeoutMs");
    expect(core.bodyBudget.used).toBe(0);
  });
});

describe("the buffered body budget", () => {
  it("refuses the body that would pass maxBufferedBodyBytes with 503, and is back to 0 after all end", async () => {
    const { core, port } = await start("maxBufferedBodyBytes: 3000");
    const held = [upload(port, 2000, 1000), upload(port, 2000, 1000), upload(port, 2000, 1000)];
    await until(() => core.bodyBudget.used === 3000);
    const refused = upload(port, 2000, 1000);
    await until(() => refused.received().includes("\r\n\r\n{"));
    expect(refused.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(refused.received()).toContain("RouterConfig spec.limits.maxBufferedBodyBytes");
    expect(core.bodyBudget.used).toBe(3000);
    expect(core.metrics.expose()).toContain("inference_extension_buffered_request_body_bytes 3000");
    // The clients go away without finishing: their bytes are given back.
    for (const c of held) c.socket.destroy();
    await until(() => core.bodyBudget.used === 0);
    expect(core.bodyBudget.used).toBe(0);
  });
});
