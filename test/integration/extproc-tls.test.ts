import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { promisify } from "node:util";
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
import { extprocTransports } from "./helpers/extproc-picker.js";
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
      await pushOne(server);
      client = tlsClient(server.port("extproc"), readFileSync(cert));
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
      if (tls) rmSync(tls.dir, { recursive: true, force: true });
    });

    it("logs tls: true and picks over a TLS connection", async () => {
      expect(server.logs.find((l) => l.service === "extproc")?.tls).toBe(true);
      await picksOverTls(client);
    });
  },
);

/** Pushes one endpoint for pool-a through the Connect API. */
async function pushOne(server: CliProcess): Promise<void> {
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
}

/** An ext_proc client trusting exactly `rootPem`. */
function tlsClient(port: number, rootPem: string | Buffer): grpc.Client {
  const pkg = grpc.loadPackageDefinition(
    protoLoader.loadSync("envoy/service/ext_proc/v3/external_processor.proto", {
      includeDirs: [join(repoRoot, "proto")],
      keepCase: true,
      oneofs: true,
    }),
  ) as unknown as {
    envoy: {
      service: {
        ext_proc: { v3: { ExternalProcessor: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } };
      };
    };
  };
  const root = typeof rootPem === "string" ? Buffer.from(rootPem) : rootPem;
  return new pkg.envoy.service.ext_proc.v3.ExternalProcessor(
    `localhost:${port}`,
    grpc.credentials.createSsl(root),
  );
}

async function picksOverTls(client: grpc.Client): Promise<void> {
  const call = new ExtProcCall(client);
  call.send(requestHeaders({ ":method": "POST", ":path": "/v1/completions" }));
  call.send(requestBody('{"model":"m","prompt":"hi"}', true));
  const [first] = await call.waitFor(2);
  expect(setHeaders(first)["x-gateway-destination-endpoint"]).toBe("192.168.1.1:8000");
  call.end();
}

/** The certificate a TLS server presents, as PEM (read without verifying it). */
function presentedCert(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: "127.0.0.1", port, rejectUnauthorized: false, ALPNProtocols: ["h2"] },
      () => {
        const der = socket.getPeerCertificate().raw;
        socket.destroy();
        const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
        resolve(`-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`);
      },
    );
    socket.once("error", reject);
  });
}

describe.skipIf(!haveOpenssl).each(extprocTransports)(
  "serve --cert-path <directory> (ext_proc transport $transport): the upstream layout (tls.crt, tls.key)",
  ({ transport, flag }) => {
    let server: CliProcess;
    let client: grpc.Client;
    const made = makeCert();
    const dir = made ? mkdtempSync(join(tmpdir(), "extproc-tls-dir-")) : "";

    beforeAll(async () => {
      copyFileSync(made!.cert, join(dir, "tls.crt"));
      copyFileSync(made!.key, join(dir, "tls.key"));
      server = await startCli(
        [
          "serve",
          "--config",
          "runtimes/node/examples/minimal",
          "--cert-path",
          dir,
          ...flag,
          ...loopbackPorts,
        ],
        {
          waitFor: ["api", "extproc"],
        },
      );
      await pushOne(server);
      client = tlsClient(server.port("extproc"), readFileSync(made!.cert));
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
      if (made) rmSync(made.dir, { recursive: true, force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("serves TLS with the directory's certificate", async () => {
      const line = server.logs.find((l) => l.service === "extproc");
      expect(line).toMatchObject({ tls: true, certificate: "files", transport });
      await picksOverTls(client);
    });
  },
);

describe.each(extprocTransports)(
  "serve --secure-serving without a certificate (ext_proc transport $transport): a self-signed one, as upstream",
  ({ transport, flag }) => {
    let server: CliProcess;
    let client: grpc.Client;

    beforeAll(async () => {
      server = await startCli(
        [
          "serve",
          "--config",
          "runtimes/node/examples/minimal",
          "--secure-serving",
          ...flag,
          ...loopbackPorts,
        ],
        {
          waitFor: ["api", "extproc"],
        },
      );
      await pushOne(server);
      client = tlsClient(server.port("extproc"), await presentedCert(server.port("extproc")));
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
    });

    it("logs a self-signed certificate and picks over TLS for a client that pins it", async () => {
      const line = server.logs.find((l) => l.service === "extproc");
      expect(line).toMatchObject({ tls: true, certificate: "self-signed", transport });
      await picksOverTls(client);
    });
  },
);

// Flag checks end the process before any listener starts, so the transport plays no part in them.
describe("serve TLS flags that do not fit together", () => {
  const run = promisify(execFile);
  const serve = async (args: string[]) => {
    try {
      await run(
        process.execPath,
        [
          join(repoRoot, "runtimes/node/bin.js"),
          "serve",
          "--config",
          "runtimes/node/examples/minimal",
          ...args,
          ...loopbackPorts,
        ],
        { cwd: repoRoot },
      );
      return { code: 0, stderr: "" };
    } catch (e) {
      return e as { code: number; stderr: string };
    }
  };

  it("exits 2 naming the flag and the path", async () => {
    const noCert = await serve(["--key-path", "/tmp/k.pem"]);
    expect(noCert.code).toBe(2);
    expect(noCert.stderr).toContain("--key-path");
    const missing = await serve(["--cert-path", "/nonexistent/certs"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--cert-path: "/nonexistent/certs" does not exist');
    const fileNoKey = await serve(["--cert-path", join(repoRoot, "package.json")]);
    expect(fileNoKey.code).toBe(2);
    expect(fileNoKey.stderr).toContain("--key-path");
  });

  it("refuses --enable-cert-reload without files to watch", async () => {
    const err = await serve(["--secure-serving", "--enable-cert-reload"]);
    expect(err.code).toBe(2);
    expect(err.stderr).toContain("--enable-cert-reload");
  });
});

/** The base64 body of a PEM certificate, for comparing what a server presents with a file. */
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, "");

async function eventually(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!haveOpenssl).each(extprocTransports)(
  "serve --enable-cert-reload (ext_proc transport $transport): a rotated certificate without a restart",
  ({ flag }) => {
    let server: CliProcess;
    const first = makeCert();
    const second = makeCert();
    const dir = mkdtempSync(join(tmpdir(), "extproc-tls-reload-"));

    beforeAll(async () => {
      copyFileSync(first!.cert, join(dir, "tls.crt"));
      copyFileSync(first!.key, join(dir, "tls.key"));
      server = await startCli(
        [
          "serve",
          "--config",
          "runtimes/node/examples/minimal",
          "--cert-path",
          dir,
          "--enable-cert-reload",
          ...flag,
          ...loopbackPorts,
        ],
        { waitFor: ["api", "extproc"] },
      );
    }, 30_000);

    afterAll(async () => {
      await server?.stop();
      for (const d of [first?.dir, second?.dir, dir]) if (d) rmSync(d, { recursive: true, force: true });
    });

    it("keeps the old certificate for a broken pair, then serves the new one once both files are in place", async () => {
      const port = server.port("extproc");
      expect(pemBody(await presentedCert(port))).toBe(pemBody(readFileSync(first!.cert, "utf8")));
      writeFileSync(join(dir, "tls.key"), "not a key\n");
      await eventually(
        () => server.logs.some((l) => l.msg === "certificate not reloaded; the previous one stays"),
        10_000,
        "the refusal to be logged",
      );
      expect(pemBody(await presentedCert(port))).toBe(pemBody(readFileSync(first!.cert, "utf8")));
      copyFileSync(second!.key, join(dir, "tls.key"));
      copyFileSync(second!.cert, join(dir, "tls.crt"));
      await eventually(
        async () => pemBody(await presentedCert(port)) === pemBody(readFileSync(second!.cert, "utf8")),
        10_000,
        "the new certificate to be served",
      );
      expect(server.logs.some((l) => l.msg === "certificate reloaded")).toBe(true);
    });
  },
);
