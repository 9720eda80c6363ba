import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { ExtProcCall, requestBody, requestHeaders, setHeaders } from "./extproc-client.js";
import { type CliProcess, loopbackPorts, repoRoot, startCli } from "./helpers/spawn-cli.js";

/** A self-signed certificate for localhost in a fresh directory; undefined without openssl. */
function makeCert(): { dir: string; cert: string; key: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "extproc-tls-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return { dir, cert, key };
}

const probe = makeCert();
if (probe) rmSync(probe.dir, { recursive: true, force: true });
const haveOpenssl = probe !== undefined;

describe.skipIf(!haveOpenssl).each(["connect", "h2"])(
  "serve --cert-path/--key-path (%s): ext_proc over TLS",
  (transport) => {
    let server: CliProcess;
    let client: grpc.Client;
    const tls = makeCert();
    const cert = tls?.cert ?? "";
    const key = tls?.key ?? "";

    beforeAll(async () => {
      server = await startCli(
        [
          "serve",
          "--config",
          "runtimes/node/examples/minimal",
          "--cert-path",
          cert,
          "--key-path",
          key,
          "--extproc-transport",
          transport,
          ...loopbackPorts,
        ],
        { waitFor: ["api", "extproc"] },
      );
      const api = createClient(
        PoolStateService,
        createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port("api")}`, httpVersion: "1.1" }),
      );
      await api.pushSnapshot(
        create(PushSnapshotRequestSchema, {
          pool: "pool-a",
          source: "tls",
          sequence: 1n,
          observedAt: timestampFromMs(Date.now()),
          endpoints: [{ address: "192.168.1.1:8000", ready: true, metrics: {} }],
        }),
      );
      const pkg = grpc.loadPackageDefinition(
        protoLoader.loadSync("envoy/service/ext_proc/v3/external_processor.proto", {
          includeDirs: [join(repoRoot, "proto")],
          keepCase: true,
          oneofs: true,
        }),
      ) as unknown as {
        envoy: {
          service: {
            ext_proc: {
              v3: { ExternalProcessor: new (a: string, c: grpc.ChannelCredentials) => grpc.Client };
            };
          };
        };
      };
      client = new pkg.envoy.service.ext_proc.v3.ExternalProcessor(
        `localhost:${server.port("extproc")}`,
        grpc.credentials.createSsl(readFileSync(cert)),
      );
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
      if (tls) rmSync(tls.dir, { recursive: true, force: true });
    });

    it("logs tls: true and picks over a TLS connection", async () => {
      expect(server.logs.find((l) => l.service === "extproc")?.tls).toBe(true);
      const call = new ExtProcCall(client);
      call.send(requestHeaders({ ":method": "POST", ":path": "/v1/completions" }));
      call.send(requestBody('{"model":"m","prompt":"hi"}', true));
      const [first] = await call.waitFor(2);
      expect(setHeaders(first)["x-gateway-destination-endpoint"]).toBe("192.168.1.1:8000");
      call.end();
    });
  },
);
