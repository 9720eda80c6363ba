/**
 * bench:extproc's raw load client (test/bench/extproc-raw-load.ts) against the real h2 transport and
 * session: every exchange is answered (also past node's default 64 KiB connection window), each request
 * carries its own x-request-id, a refusal fails the exchange.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadResources } from "../../runtimes/node/config-loader.js";
import { handleExtProcStream } from "../../runtimes/node/extproc-h2.js";
import { RouterError } from "../../src/core/errors.js";
import { createExtProcProcessor, type ExtProcProcessor } from "../../src/extproc/index.js";
import { pickReplies } from "../../src/extproc/pick-replies.js";
import { errorReply } from "../../src/extproc/replies.js";
import { encodeGrpcFrames } from "../../src/extproc/wire/grpc-frames.js";
import type { ProcessingRequest } from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { BODY_4K, encodeRequest, HEADERS, REQUEST_ID } from "../bench/extproc-load.js";
import { endsRequestBody, RawExtProcClient } from "../bench/extproc-raw-load.js";
import { extProcClient, requestBody } from "../integration/extproc-client.js";
import { endpoint, snapshot } from "../state/fixtures.js";

let server: http2.Http2Server;
let port: number;
const seenIds: string[] = [];
const closes: string[] = [];

beforeAll(async () => {
  const resources = await loadResources("test/fixtures/extproc-bench");
  const clock = { now: () => Date.now() };
  const metrics = new RouterMetrics();
  const core = createRouterCore(resources, {
    clock,
    random: { next: Math.random },
    now: () => performance.now(),
    metrics,
  });
  core.store.push(
    snapshot(
      1,
      Array.from({ length: 4 }, (_, i) => endpoint(`10.0.0.${i + 1}:8000`)),
      { observedAt: Date.now() },
    ),
  );
  const real = createExtProcProcessor({ router: core, pool: "pool-a", clock, metrics });
  // The real processor, recording each request's x-request-id and how each session closed.
  const processor: ExtProcProcessor = {
    ...real,
    open() {
      const session = real.open();
      const handle = session.handle.bind(session);
      const close = session.close.bind(session);
      session.handle = (req: ProcessingRequest) => {
        if (req.request.case === "requestHeaders")
          for (const h of req.request.value.headers?.headers ?? [])
            if (h.key === "x-request-id") seenIds.push(Buffer.from(h.rawValue).toString());
        return handle(req);
      };
      session.close = (reason) => {
        closes.push(reason);
        close(reason);
      };
      return session;
    },
  } as ExtProcProcessor;
  // Node's default windows (64 KiB per connection), below what 20 requests at once send.
  server = http2.createServer();
  server.on("stream", handleExtProcStream(processor, 4 << 20));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The bench's request, encoded as the bench encodes it (proto-loader's serializer). */
function encoded(body = BODY_4K) {
  const c = extProcClient(port);
  try {
    return { head: encodeRequest(c, HEADERS), body: encodeRequest(c, body) };
  } finally {
    c.close();
  }
}

describe("RawExtProcClient", () => {
  it("answers every exchange, 40 at a time over 2 connections, each with its own x-request-id", async () => {
    const { head, body } = encoded();
    const client = new RawExtProcClient(port, 2, head, body, REQUEST_ID);
    const from = seenIds.length;
    try {
      const ms: number[] = [];
      for (let round = 0; round < 5; round++)
        ms.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => client.exchange(i)))));
      expect(ms).toHaveLength(200);
      expect(ms.every((m) => m >= 0)).toBe(true);
      const ids = seenIds.slice(from);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
      for (const id of ids) expect(id).toMatch(/^9b2f6c1e-3d4a-4f5b-8c7d-[0-9a-f]{12}$/);
      // Half-closed after the answer: the picker ends the stream, and each session closes as "end".
      await expect.poll(() => closes.filter((c) => c === "end").length).toBeGreaterThanOrEqual(200);
    } finally {
      client.close();
    }
  });

  it("fails an exchange the picker refuses (an immediate response)", async () => {
    const { head, body } = encoded(requestBody("not json", true));
    const client = new RawExtProcClient(port, 1, head, body, REQUEST_ID);
    try {
      await expect(client.exchange(0)).rejects.toThrow(/immediate response/);
    } finally {
      client.close();
    }
  });

  it("refuses a headers message without the request id it stamps", () => {
    const { head, body } = encoded();
    expect(() => new RawExtProcClient(port, 1, head, body, "0".repeat(36))).toThrow(/request id/);
  });
});

describe("endsRequestBody", () => {
  const frames = (replies: Parameters<typeof encodeGrpcFrames>[0]) => {
    const all = Buffer.from(encodeGrpcFrames(replies));
    const out: Buffer[] = [];
    for (let at = 0; at < all.length; at += 5 + all.readUInt32BE(at + 1))
      out.push(all.subarray(at + 5, at + 5 + all.readUInt32BE(at + 1)));
    return out;
  };

  it("is true for the last streamed body chunk of a pick only", () => {
    const body = new Uint8Array(100_000).fill(120); // several chunks
    const messages = frames(
      pickReplies({ destinations: "10.0.0.1:8000", requestId: "r", body }, "FULL_DUPLEX_STREAMED", true),
    );
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.map((m) => endsRequestBody(m, 0, m.length))).toEqual(
      messages.map((_, i) => i === messages.length - 1),
    );
  });

  it("throws on an immediate response", () => {
    const [m] = frames([errorReply(new RouterError("BadRequest", "no"))]);
    expect(() => endsRequestBody(m!, 0, m!.length)).toThrow(/immediate response/);
  });
});
