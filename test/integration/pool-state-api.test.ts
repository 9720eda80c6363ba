import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PoolStateService,
  type PushSnapshotRequest,
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
      "lora-affinity-scorer",
      "prefix-cache-scorer",
      "share-scaled-active-request-scorer",
      "share-scaled-outstanding-tokens-scorer",
    ]);
    // The endpoint with the empty queue (waitingRequests 0) wins over the one with 1 waiting.
    expect(x.picked[0]).not.toBe("10.0.6.2:8000");
  });

  it("answers /healthz and /readyz on the API port", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});
