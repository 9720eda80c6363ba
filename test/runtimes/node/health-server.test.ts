/** The picker's gRPC health port: upstream's liveness and readiness service names, on a real listener. */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import {
  LIVENESS_SERVICE,
  READINESS_SERVICES,
  startHealthServer,
} from "../../../runtimes/node/health-server.js";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../../src/gen/grpc/health/v1/health_pb.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function start(ready: () => boolean) {
  const shutdown = new AbortController();
  const server = await startHealthServer({
    host: "127.0.0.1",
    port: 0,
    ready,
    onChange: () => () => {},
    shutdownSignal: shutdown.signal,
  });
  stops.push(() => server.close());
  const client = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
  const check = async (service: string) => (await client.check({ service })).status;
  return { check, shutdown };
}

describe("health server", () => {
  it("answers liveness SERVING and every readiness name NOT_SERVING before the first push", async () => {
    const { check } = await start(() => false);
    expect(await check(LIVENESS_SERVICE)).toBe(Status.SERVING);
    for (const service of [
      "readiness",
      "inference-extension",
      "envoy.service.ext_proc.v3.ExternalProcessor",
      "",
    ])
      expect(await check(service), service).toBe(Status.NOT_SERVING);
    expect(READINESS_SERVICES).toContain("inference-extension");
  });

  it("answers every readiness name SERVING once ready", async () => {
    const { check } = await start(() => true);
    for (const service of READINESS_SERVICES) expect(await check(service), service).toBe(Status.SERVING);
  });

  it("turns readiness NOT_SERVING on shutdown while liveness stays SERVING", async () => {
    const { check, shutdown } = await start(() => true);
    shutdown.abort();
    expect(await check("readiness")).toBe(Status.NOT_SERVING);
    expect(await check(LIVENESS_SERVICE)).toBe(Status.SERVING);
  });

  it("answers NOT_FOUND for a service it does not know", async () => {
    const { check } = await start(() => true);
    const error = await check("some.other.Service").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
  });
});
