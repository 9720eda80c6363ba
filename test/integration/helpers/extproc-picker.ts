/**
 * What the ext_proc integration tests share: the upstream-style pods, a chat request, pushing pods
 * through the Connect API, and reading the HTTP/2 receive windows the picker gives a client.
 */
import http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../../src/gen/inferencerouter/v1/pool_state_pb.js";

export type Pod = [address: string, queue: number, kv: number, adapters: string[]];

export const standardPods: Pod[] = [
  ["192.168.1.1:8000", 3, 0.2, []],
  ["192.168.1.2:8000", 0, 0.1, []],
  ["192.168.1.3:8000", 10, 0.9, []],
];

export const POST = {
  ":method": "POST",
  ":path": "/v1/chat/completions",
  "content-type": "application/json",
};
export const chat = (model: string, extra = "") =>
  `{"model":"${model}","messages":[{"role":"user","content":"hi"}]${extra}}`;

export type PoolApi = Client<typeof PoolStateService>;

export function poolApi(port: number): PoolApi {
  return createClient(
    PoolStateService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1" }),
  );
}

let sequence = 0;

/** Pushes the pods as pool-a's whole state (source "test"). */
export async function pushPods(api: PoolApi, pods: Pod[]): Promise<void> {
  await pushPool(api, "pool-a", pods);
}

/**
 * Pushes the pods as `pool`'s whole state (source "test"), every pod ready; `models`, when given, are
 * the models each pod advertises (none = the pod serves whatever it is sent).
 */
export async function pushPool(
  api: PoolApi,
  pool: string,
  pods: Pod[],
  models: string[] = [],
): Promise<void> {
  await api.pushSnapshot(
    create(PushSnapshotRequestSchema, {
      pool,
      source: "test",
      sequence: BigInt(++sequence),
      observedAt: timestampFromMs(Date.now()),
      endpoints: pods.map(([address, waitingRequests, kvCacheUsage, activeAdapters]) => ({
        address,
        ready: true,
        engine: "vllm",
        models,
        metrics: {
          waitingRequests,
          kvCacheUsage,
          activeAdapters,
          maxAdapters: activeAdapters.length > 0 ? 4 : 0,
        },
      })),
    }),
  );
}

/**
 * The receive windows a client of the ext_proc port is given: the stream window from the server's
 * SETTINGS, the connection window from the WINDOW_UPDATE that follows them.
 */
export async function receiveWindows(port: number): Promise<{ stream: number; connection: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const settings = await new Promise<http2.Settings>((resolve, reject) => {
      session.once("remoteSettings", resolve);
      session.once("error", reject);
    });
    const deadline = Date.now() + 5000;
    while ((session.state.remoteWindowSize ?? 0) <= 65_535 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    return { stream: settings.initialWindowSize ?? 0, connection: session.state.remoteWindowSize ?? 0 };
  } finally {
    session.close();
  }
}

/**
 * The ext_proc transports `serve` offers, with the flags that choose each: every transport-independent
 * ext_proc case runs on both. h2 is the default, so it runs without the flag and the default itself is
 * what is tested.
 */
export const extprocTransports = [
  { transport: "connect", flag: ["--extproc-transport", "connect"] },
  { transport: "h2", flag: [] as string[] },
] as const;
