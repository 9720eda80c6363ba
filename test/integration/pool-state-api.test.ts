import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PoolStateService,
  type PushSnapshotRequest,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";

let server: CliProcess;
let base: string;

beforeAll(async () => {
  server = await startCli(
    ["serve", "--config", "runtimes/node/examples/minimal", ...loopbackPorts, "--push-token", "s3cret"],
    {
      waitFor: ["api"],
    },
  );
  base = `http://127.0.0.1:${server.port("api")}`;
});

afterAll(async () => {
  await server?.stop();
});

const auth = { Authorization: "Bearer s3cret" };

function push(
  sequence: number,
  addresses: string[],
  over: Partial<PushSnapshotRequest> = {},
): PushSnapshotRequest {
  const msg = create(PushSnapshotRequestSchema, {
    pool: "pool-a",
    source: "test",
    sequence: BigInt(sequence),
    observedAt: timestampFromMs(Date.now()),
    endpoints: addresses.map((address, i) => ({
      address,
      ready: true,
      engine: "vllm",
      metrics: { waitingRequests: i, runningRequests: 1, kvCacheUsage: 0.25, blockSize: 16, numBlocks: 1000 },
    })),
  });
  return Object.assign(msg, over);
}

function connectClient(httpVersion: "1.1" | "2" = "1.1"): Client<typeof PoolStateService> {
  return createClient(PoolStateService, createConnectTransport({ baseUrl: base, httpVersion }));
}

async function refusal(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected the call to be refused");
}

describe("serve: PoolStateService", () => {
  it("accepts a push from the generated Connect client and returns it from GetPool", async () => {
    const client = connectClient();
    const res = await client.pushSnapshot(
      push(1, ["10.0.0.1:8000", "10.0.0.2:8000"], { source: "connect" }),
      {
        headers: auth,
      },
    );
    expect(res.acceptedSequence).toBe(1n);
    const { pool } = await client.getPool({ pool: "pool-a" });
    const mine = pool!.endpoints.filter((e) => e.source === "connect");
    expect(mine.map((e) => e.address)).toEqual(["10.0.0.1:8000", "10.0.0.2:8000"]);
    expect(mine[1]!.metrics!.waitingRequests).toBe(1);
    expect(mine[0]!.stale).toBe(false);
  });

  it("speaks gRPC over h2c and gRPC-Web on the same port", async () => {
    const grpc = createClient(PoolStateService, createGrpcTransport({ baseUrl: base }));
    await grpc.pushSnapshot(push(1, ["10.0.1.1:8000"], { source: "grpc" }), { headers: auth });
    const web = createClient(PoolStateService, createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" }));
    const { pools } = await web.listPools({});
    expect(pools.map((p) => p.name)).toContain("pool-a");
    expect(pools[0]!.endpoints.some((e) => e.address === "10.0.1.1:8000")).toBe(true);
  });

  it("applies pushes held on one client stream, and ends the stream at the first refused one", async () => {
    const grpc = createClient(PoolStateService, createGrpcTransport({ baseUrl: base }));
    async function* pushes(list: PushSnapshotRequest[]) {
      for (const p of list) yield p;
    }
    const res = await grpc.streamSnapshots(
      pushes([
        push(1, ["10.0.7.1:8000"], { source: "stream" }),
        push(2, ["10.0.7.2:8000"], { source: "stream" }),
      ]),
      { headers: auth },
    );
    expect(res.acceptedPushes).toBe(2);
    expect(res.acceptedSequence).toBe(2n);
    const mine = async () =>
      (await connectClient().getPool({ pool: "pool-a" })).pool!.endpoints.filter(
        (e) => e.source === "stream",
      );
    expect((await mine()).map((e) => e.address)).toEqual(["10.0.7.2:8000"]);

    const replay = await refusal(
      grpc.streamSnapshots(
        pushes([
          push(3, ["10.0.7.3:8000"], { source: "stream" }),
          push(3, ["10.0.7.4:8000"], { source: "stream" }),
        ]),
        { headers: auth },
      ),
    );
    expect(replay.code).toBe(Code.FailedPrecondition);
    expect((await mine()).map((e) => e.address)).toEqual(["10.0.7.3:8000"]);

    const anonymous = await refusal(grpc.streamSnapshots(pushes([push(9, [], { source: "stream" })])));
    expect(anonymous.code).toBe(Code.Unauthenticated);
  });

  it("accepts a plain JSON POST (Connect protocol) like the README's curl", async () => {
    const body = {
      pool: "pool-a",
      source: "curl",
      sequence: 1,
      endpoints: [
        { address: "[fd00::7]:8000", ready: true, metrics: { waitingRequests: 2, kvCacheUsage: 0.5 } },
      ],
    };
    const res = await fetch(`${base}/inferencerouter.v1.PoolStateService/PushSnapshot`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ acceptedSequence: "1", endpointCount: 1 });
    const got = await fetch(`${base}/inferencerouter.v1.PoolStateService/GetPool`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pool: "pool-a" }),
    });
    const json = (await got.json()) as { pool: { endpoints: { address: string; source: string }[] } };
    expect(json.pool.endpoints.filter((e) => e.source === "curl").map((e) => e.address)).toEqual([
      "[fd00::7]:8000",
    ]);
  });

  it("streams the current pool first, then every change, on WatchPool", async () => {
    const client = connectClient("2");
    const abort = new AbortController();
    const stream = client.watchPool({ pool: "pool-a" }, { signal: abort.signal });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value.reason).toBe("initial");
    await client.pushSnapshot(push(1, ["10.0.2.1:8000"], { source: "watch" }), { headers: auth });
    const second = await it.next();
    expect(second.value.reason).toBe("push");
    expect(second.value.pool.endpoints.some((e: { address: string }) => e.address === "10.0.2.1:8000")).toBe(
      true,
    );
    abort.abort();
  });

  describe("refuses bad input with a clear error and changes nothing", () => {
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
      const err = await refusal(
        connectClient().pushSnapshot(push(1, [], { pool: "nope" }), { headers: auth }),
      );
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

  it("explains a pick over Connect JSON, with per-plugin scores and the ordered pick", async () => {
    await connectClient().pushSnapshot(push(1, ["10.0.6.1:8000", "10.0.6.2:8000"], { source: "explain" }), {
      headers: auth,
    });
    const res = await fetch(`${base}/inferencerouter.v1.PoolStateService/Explain`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        pool: "pool-a",
        model: "any-model",
        messages: [{ role: "user", content: "Hello there" }],
      }),
    });
    expect(res.status).toBe(200);
    const x = (await res.json()) as {
      picked: string[];
      profiles: {
        candidates: { address: string; total: number; scores: { plugin: string; weight: number }[] }[];
      }[];
    };
    expect(x.picked.length).toBeGreaterThan(0);
    const candidates = x.profiles[0]!.candidates;
    expect(candidates.length).toBeGreaterThanOrEqual(2);
    // The built-in default profile's scorers.
    expect(candidates[0]!.scores.map((s) => s.plugin).sort()).toEqual([
      "active-request-scorer",
      "lora-affinity-scorer",
      "outstanding-tokens-scorer",
      "prefix-cache-scorer",
    ]);
    // The endpoint with the empty queue (waitingRequests 0) wins over the one with 1 waiting.
    expect(x.picked[0]).not.toBe("10.0.6.2:8000");
  });

  it("answers /healthz and /readyz on the API port", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});
