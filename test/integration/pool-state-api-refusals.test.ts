/** PoolStateService over a real `serve`: every refusal names its field and changes nothing. */
import http2 from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import {
  auth,
  connectClient,
  push,
  refusal,
  startPoolStateServe,
  stopPoolStateServe,
} from "./helpers/pool-state-api.js";

let base: string;

beforeAll(async () => {
  base = await startPoolStateServe();
});

afterAll(stopPoolStateServe);

describe("serve: PoolStateService refuses bad input with a clear error and changes nothing", () => {
  async function snapshotOfPool() {
    // `stale` and `revision` follow the clock, not the refused push: a slow upload (a loaded
    // machine) may cross the staleness limit between the two reads.
    return JSON.stringify(await connectClient().getPool({ pool: "pool-a" }), (k, v) =>
      k === "stale" || k === "revision" ? undefined : typeof v === "bigint" ? v.toString() : v,
    );
  }

  it("refuses a push without the token, or with a wrong one (Unauthenticated)", async () => {
    const before = await snapshotOfPool();
    const client = connectClient();
    const none = await refusal(client.pushSnapshot(push(50, ["10.0.9.1:8000"], { source: "auth" })));
    expect(none.code).toBe(Code.Unauthenticated);
    const wrong = await refusal(
      client.pushSnapshot(push(51, ["10.0.9.1:8000"], { source: "auth" }), {
        headers: { Authorization: "Bearer nope" },
      }),
    );
    expect(wrong.code).toBe(Code.Unauthenticated);
    expect(await snapshotOfPool()).toBe(before);
  });

  it("refuses an out-of-range metric with InvalidArgument naming the field", async () => {
    const before = await snapshotOfPool();
    const bad = push(1, ["10.0.3.1:8000"], { source: "bad" });
    bad.endpoints[0]!.metrics!.kvCacheUsage = 2;
    const err = await refusal(connectClient().pushSnapshot(bad, { headers: auth }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("endpoints[0].metrics.kvCacheUsage");
    expect(err.rawMessage).toContain("between 0 and 1");
    expect(await snapshotOfPool()).toBe(before);
  });

  it("refuses a malformed address with InvalidArgument", async () => {
    const err = await refusal(
      connectClient().pushSnapshot(push(1, ["pod-1:8000"], { source: "bad" }), { headers: auth }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("endpoints[0].address");
  });

  it("refuses a push for an unknown pool with NotFound", async () => {
    const err = await refusal(connectClient().pushSnapshot(push(1, [], { pool: "nope" }), { headers: auth }));
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toContain('"nope"');
  });

  it("refuses a replayed sequence with FailedPrecondition naming the last accepted one", async () => {
    const client = connectClient();
    await client.pushSnapshot(push(7, ["10.0.4.1:8000"], { source: "replay" }), { headers: auth });
    const before = await snapshotOfPool();
    const err = await refusal(
      client.pushSnapshot(push(7, ["10.0.4.2:8000"], { source: "replay" }), { headers: auth }),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toContain("last accepted sequence 7");
    const older = await refusal(client.pushSnapshot(push(3, [], { source: "replay" }), { headers: auth }));
    expect(older.code).toBe(Code.FailedPrecondition);
    expect(await snapshotOfPool()).toBe(before);
  });

  it("refuses an oversized message with ResourceExhausted", async () => {
    const before = await snapshotOfPool();
    const big = push(1, ["10.0.5.1:8000"], { source: "big" });
    big.endpoints[0]!.labels = { blob: "x".repeat(5 * 1024 * 1024) };
    // HTTP/2: over HTTP/1.1 a server that refuses early can only reset the half-sent upload.
    const err = await refusal(connectClient("2").pushSnapshot(big, { headers: auth }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(await snapshotOfPool()).toBe(before);
  });

  /** Every JSON read of pool-a (GetPool, ListPools, WatchPool's first message) answers. */
  async function jsonReadsWork() {
    for (const [method, body] of [
      ["GetPool", { pool: "pool-a" }],
      ["ListPools", {}],
    ] as const) {
      const res = await fetch(`${base}/inferencerouter.v1.PoolStateService/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, `${method}: ${await res.clone().text()}`).toBe(200);
    }
    const abort = new AbortController();
    const watch = connectClient("2").watchPool({ pool: "pool-a" }, { signal: abort.signal });
    const first = await watch[Symbol.asyncIterator]().next();
    expect(first.value.reason).toBe("initial");
    abort.abort();
  }

  /** A unary call with raw bytes over application/proto (Connect); returns status and error JSON. */
  async function protoPost(bytes: Uint8Array) {
    const res = await fetch(`${base}/inferencerouter.v1.PoolStateService/PushSnapshot`, {
      method: "POST",
      headers: { "content-type": "application/proto", ...auth },
      body: new Uint8Array(bytes),
    });
    return { status: res.status, error: (await res.json()) as { code: string; message: string } };
  }

  /** A unary gRPC call with raw message bytes over h2c; returns the grpc-status and grpc-message. */
  function grpcPost(bytes: Uint8Array): Promise<{ status: string; message: string }> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(base);
      session.on("error", reject);
      const req = session.request({
        ":method": "POST",
        ":path": "/inferencerouter.v1.PoolStateService/PushSnapshot",
        "content-type": "application/grpc",
        te: "trailers",
        ...{ authorization: auth.Authorization },
      });
      let status = "";
      let message = "";
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
        if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
      };
      req.on("response", take);
      req.on("trailers", take);
      req.on("data", () => {});
      req.on("end", () => {
        session.close();
        resolve({ status, message });
      });
      req.on("error", reject);
      const envelope = new Uint8Array(5 + bytes.byteLength);
      new DataView(envelope.buffer).setUint32(1, bytes.byteLength);
      envelope.set(bytes, 5);
      req.end(envelope);
    });
  }

  it("refuses a binary push whose observedAt is outside years 0001-9999, and every JSON read still works", async () => {
    const before = await snapshotOfPool();
    const far = push(1, ["10.0.10.1:8000"], { source: "poison" });
    far.observedAt!.seconds = 1_000_000_000_000_000n;
    const grpc = createClient(PoolStateService, createGrpcTransport({ baseUrl: base }));
    const err = await refusal(grpc.pushSnapshot(far, { headers: auth }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("observedAt.seconds: 1000000000000000 must be between");

    const negativeNanos = push(1, ["10.0.10.1:8000"], { source: "poison" });
    negativeNanos.observedAt!.nanos = -5;
    const proto = await protoPost(toBinary(PushSnapshotRequestSchema, negativeNanos));
    expect(proto.status).toBe(400);
    expect(proto.error.code).toBe("invalid_argument");
    expect(proto.error.message).toContain("observedAt.nanos: -5 must be between 0 and 999999999");

    expect(await snapshotOfPool()).toBe(before);
    await jsonReadsWork();
  });

  it("refuses an observedAt further ahead of the router's clock than state.maxClockSkewMs", async () => {
    const before = await snapshotOfPool();
    const ahead = push(1, ["10.0.11.1:8000"], { source: "future" });
    ahead.observedAt = timestampFromMs(Date.now() + 3_600_000);
    const err = await refusal(connectClient().pushSnapshot(ahead, { headers: auth }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^observedAt: .* ms ahead of the receiver's clock/);
    expect(err.rawMessage).toContain("at most 5000 ms is allowed (state.maxClockSkewMs)");
    expect(await snapshotOfPool()).toBe(before);
  });

  it("answers malformed protobuf with invalid_argument, not internal, on Connect, gRPC and gRPC-Web", async () => {
    const before = await snapshotOfPool();
    const truncated = toBinary(PushSnapshotRequestSchema, push(1, ["10.0.12.1:8000"])).subarray(0, 20);
    const connect = await protoPost(truncated);
    expect(connect.status).toBe(400);
    expect(connect.error.code).toBe("invalid_argument");
    expect(connect.error.message).toContain("not a valid inferencerouter.v1.PushSnapshotRequest message");
    const grpc = await grpcPost(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(grpc.status).toBe(String(Code.InvalidArgument));
    expect(grpc.message).toContain("not a valid inferencerouter.v1.PushSnapshotRequest message");
    // gRPC-Web over HTTP/1.1: the status is a header (trailers-only) or in the trailer frame of the body.
    const web = await fetch(`${base}/inferencerouter.v1.PoolStateService/PushSnapshot`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", ...auth },
      body: new Uint8Array([0, 0, 0, 0, 6, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    });
    const trailers = `${web.headers.get("grpc-status") ?? ""} ${Buffer.from(await web.arrayBuffer()).toString("latin1")}`;
    expect(trailers).toMatch(
      new RegExp(`^${Code.InvalidArgument} |grpc-status: ?${Code.InvalidArgument}\\b`),
    );
    expect(await snapshotOfPool()).toBe(before);
    await jsonReadsWork();
  });

  it.each([
    [{ sequence: 1, typo: 1 }, 'key "typo" is unknown'],
    [
      { sequence: 1, endpoints: [{ address: "10.0.13.1:8000", metrics: { waitingRequestz: 4 } }] },
      '"waitingRequestz"',
    ],
    [{ sequence: "0x10" }, 'sequence: "0x10" must be a decimal integer'],
    [
      { sequence: 1, observedAt: "10000-01-01T00:00:00Z" },
      'observedAt: "10000-01-01T00:00:00Z" is not a valid google.protobuf.Timestamp',
    ],
    [
      { sequence: 1, endpoints: [{ address: "10.0.13.1:8000", metrics: { waitingRequests: " 5" } }] },
      "endpoints[0].metrics.waitingRequests",
    ],
  ])("refuses the JSON push %o with invalid_argument naming the field", async (fields, text) => {
    const before = await snapshotOfPool();
    const res = await fetch(`${base}/inferencerouter.v1.PoolStateService/PushSnapshot`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify({ pool: "pool-a", source: "strict", ...fields }),
    });
    const error = (await res.json()) as { code: string; message: string };
    expect(res.status).toBe(400);
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain(text);
    expect(await snapshotOfPool()).toBe(before);
  });

  it("refuses a GetPool for an unknown pool with NotFound", async () => {
    const err = await refusal(connectClient().getPool({ pool: "nope" }));
    expect(err.code).toBe(Code.NotFound);
  });
});
