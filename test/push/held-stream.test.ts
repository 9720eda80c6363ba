/** The held stream against a real StreamSnapshots handler over h2c on loopback, as the agent uses it. */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PoolStateService,
  type PushSnapshotRequest,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { openHeldStream } from "../../src/push/held-stream.js";
import { registerRoutes } from "../../src/services/routes.js";
import { PoolStore } from "../../src/state/pool-store.js";

let server: http2.Http2Server;
let store: PoolStore;
let baseUrl: string;

beforeAll(async () => {
  store = new PoolStore({ clock: { now: () => Date.now() } });
  store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
  server = http2.createServer(connectNodeAdapter({ routes: (r) => registerRoutes(r, { store }) }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

const push = (sequence: bigint, waiting: number) =>
  create(PushSnapshotRequestSchema, {
    pool: "pool-a",
    source: "held-stream-test",
    sequence,
    endpoints: [{ address: "10.0.0.1:8000", ready: true, metrics: { waitingRequests: waiting } }],
  });

const waiting = () => store.pool("pool-a")?.endpoints[0]?.metrics.waitingRequests;

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("openHeldStream", () => {
  it("delivers every write on one call, and breaks when the router refuses a push", async () => {
    const client = createClient(PoolStateService, createConnectTransport({ baseUrl, httpVersion: "2" }));
    const stream = openHeldStream<PushSnapshotRequest>((requests, signal) =>
      client.streamSnapshots(requests, { signal }),
    );
    await stream.write(push(10n, 1));
    await until(() => waiting() === 1);
    await stream.write(push(11n, 2));
    await until(() => waiting() === 2);
    expect(stream.broken).toBe(false);

    // A replayed sequence is refused: the call fails, and the next write must go on a new stream.
    await stream.write(push(11n, 3)).catch(() => {});
    await until(() => stream.broken);
    await expect(stream.write(push(12n, 4))).rejects.toThrow(/sequence/);
    expect(waiting()).toBe(2);

    const again = openHeldStream<PushSnapshotRequest>((requests, signal) =>
      client.streamSnapshots(requests, { signal }),
    );
    await again.write(push(12n, 4));
    await again.end();
    expect(waiting()).toBe(4);
  });
});
