/**
 * The `serve` the PoolStateService integration tests talk to (the minimal example, push token
 * "s3cret", one per test file) and the small clients they share.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  PoolStateService,
  type PushSnapshotRequest,
  PushSnapshotRequestSchema,
} from "../../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { type CliProcess, loopbackPorts, startCli } from "./spawn-cli.js";

let server: CliProcess | undefined;
let base = "";

/** Starts the file's `serve`; returns its API base URL. */
export async function startPoolStateServe(): Promise<string> {
  server = await startCli(
    ["serve", "--config", "runtimes/node/examples/minimal", ...loopbackPorts, "--push-token", "s3cret"],
    {
      waitFor: ["api"],
    },
  );
  base = `http://127.0.0.1:${server.port("api")}`;
  return base;
}

export async function stopPoolStateServe(): Promise<void> {
  await server?.stop();
}

export const auth = { Authorization: "Bearer s3cret" };

export function push(
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

export function connectClient(httpVersion: "1.1" | "2" = "1.1"): Client<typeof PoolStateService> {
  return createClient(PoolStateService, createConnectTransport({ baseUrl: base, httpVersion }));
}

export async function refusal(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected the call to be refused");
}
