/**
 * The API port answers gRPC tooling without .proto files: server reflection (v1 and v1alpha) for the
 * real `buf curl`, and grpc.health.v1 for grpc-js, on a real `serve`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServe } from "../../../runtimes/node/serve.js";

const run = promisify(execFile);
const BUF = new URL("../../../node_modules/@bufbuild/buf/bin/buf", import.meta.url).pathname;
const HEALTH_PROTO = new URL("../../../proto/grpc/health/v1/health.proto", import.meta.url).pathname;

const POOL =
  "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata:\n  name: p\nspec:\n  selector:\n    matchLabels: {app: x}\n  targetPorts:\n    - number: 8000\n";

let server: RunningServer;
let base: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "api-introspection-"));
  writeFileSync(join(dir, "pool.yaml"), POOL);
  // A read token: reads need it, reflection and health do not (probes and `grpcurl list` carry none).
  writeFileSync(
    join(dir, "router.yaml"),
    'apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec:\n  auth:\n    readToken: "r3ad"\n',
  );
  server = await startServe({
    config: dir,
    host: "127.0.0.1",
    "api-port": 0,
    "http-port": 0,
    "extproc-port": 0,
    "health-port": 0,
    "metrics-port": 0,
    "log-level": "error",
  });
  base = `http://127.0.0.1:${server.ports.api}`;
});
afterAll(async () => {
  await server?.close();
});

async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args]);
  return stdout;
}

describe("the API port's server reflection", () => {
  it("lets buf curl call ListPools without --schema (grpc.reflection.v1)", async () => {
    const out = await bufCurl(
      "-H",
      "Authorization: Bearer r3ad",
      "--reflect-protocol",
      "grpc-v1",
      `${base}/inferencerouter.v1.PoolStateService/ListPools`,
    );
    expect(JSON.parse(out)).toEqual({ pools: [{ name: "p", targetPorts: [8000] }] });
  });

  it("answers the older grpc.reflection.v1alpha protocol the same", async () => {
    const out = await bufCurl(
      "-H",
      "Authorization: Bearer r3ad",
      "--reflect-protocol",
      "grpc-v1alpha",
      "-d",
      '{"pool":"p"}',
      `${base}/inferencerouter.v1.PoolStateService/GetPool`,
    );
    expect(JSON.parse(out).pool.name).toBe("p");
  });

  it("lists the API, health and reflection services to a caller without the read token", async () => {
    const out = await bufCurl("--list-services", base);
    expect(out.trim().split("\n").sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "inferencerouter.v1.PoolStateService",
    ]);
  });

  it("still refuses the API's reads without the read token", async () => {
    const err = await bufCurl(`${base}/inferencerouter.v1.PoolStateService/ListPools`).then(
      () => undefined,
      (e: { stderr: string }) => e,
    );
    expect(err?.stderr).toMatch(/unauthenticated/);
  });
});

describe("the API port's grpc.health.v1", () => {
  type Check = (
    req: { service: string },
    cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ) => void;
  const check = async (service: string) => {
    const def = grpc.loadPackageDefinition(
      protoLoader.loadSync(HEALTH_PROTO, { enums: String }),
    ) as unknown as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    };
    const client = new def.grpc.health.v1.Health(
      `127.0.0.1:${server.ports.api}`,
      grpc.credentials.createInsecure(),
    );
    try {
      return await new Promise<{ status?: string; code?: grpc.status }>((resolve) =>
        (client as unknown as { check: Check }).check({ service }, (err, res) =>
          resolve(err ? { code: err.code } : { status: res?.status }),
        ),
      );
    } finally {
      client.close();
    }
  };

  it("answers SERVING for the server and PoolStateService to grpc-js, without a token", async () => {
    expect(await check("")).toEqual({ status: "SERVING" });
    expect(await check("inferencerouter.v1.PoolStateService")).toEqual({ status: "SERVING" });
  });

  it("answers NOT_FOUND for a service the port does not serve", async () => {
    expect(await check("envoy.service.ext_proc.v3.ExternalProcessor")).toEqual({
      code: grpc.status.NOT_FOUND,
    });
  });
});
