/**
 * The OpenAI-surface contract (test/contract/openai-surface.ts) against the Node HTTP router: the
 * router as `serve` runs it (src/http on runtimes/node's HTTP server and upstream transport) on
 * 127.0.0.1 port 0, in front of two real upstream servers on loopback. Requests go out through
 * node:http, so a client's headers reach the router exactly as given.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";
import type { DualListener } from "../../runtimes/node/dual-listener.js";
import { startHttpServer } from "../../runtimes/node/http-server.js";
import { createNodeTransport } from "../../runtimes/node/node-transport.js";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import type { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "../state/fixtures.js";
import {
  type ContractHarness,
  ERROR_500_BODY,
  jsonAnswer,
  openAiSurfaceCases,
  type Received,
  sseAnswer,
  type UpstreamBehaviour,
} from "./openai-surface.js";

const MODEL = "contract-model";
const MAX_BODY_BYTES = 4096;
const CONFIG = `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {limits: {maxBodyBytes: ${MAX_BODY_BYTES}}}
`;

const behaviour: UpstreamBehaviour[] = ["ok", "ok"];
let received: Received[] = [];
const upstreams: Server[] = [];
const addresses: string[] = [];
let store: PoolStore;
let router: DualListener;
let sequence = 1;

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

function upstream(i: 0 | 1): Server {
  return createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts).toString();
      received.push({ upstream: i, path: req.url ?? "", headers: flat(req.headers), body });
      const what = behaviour[i];
      if (what === "connect-error") return void req.socket.destroy();
      if (what === "status-500")
        return void res.writeHead(500, { "content-type": "application/json" }).end(ERROR_500_BODY);
      const stream = body.includes('"stream":true');
      res.writeHead(200, {
        "content-type": stream ? "text/event-stream" : "application/json",
        "keep-alive": "timeout=5",
      });
      res.end(stream ? sseAnswer(MODEL) : jsonAnswer(MODEL));
    });
  });
}

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** Pushes both upstreams, upstream 0 the least loaded (so it is picked first). */
function pushUpstreams(): void {
  const eps = addresses.map((a, i) =>
    endpoint(a, { waitingRequests: i === 0 ? 0 : 20, kvCacheUsage: i * 0.5 }),
  );
  for (const e of eps) e.models = [MODEL];
  store.push(snapshot(sequence++, eps, { observedAt: Date.now() }));
}

/** A client request through node:http, headers exactly as the Request carries them. */
async function send(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const body = request.method === "GET" ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => {
    headers[k] = v;
  });
  if (body !== undefined) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: router.port,
        path: url.pathname + url.search,
        method: request.method,
        headers,
        agent: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(flat(res.headers))) out.set(k, v);
          resolve(new Response(Buffer.concat(parts), { status: res.statusCode ?? 0, headers: out }));
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const harness: ContractHarness = {
  fetch: send,
  model: MODEL,
  maxBodyBytes: MAX_BODY_BYTES,
  upstream(i, b) {
    behaviour[i] = b;
  },
  received: () => received,
  inFlight: () => store.endpoints("pool-a")!.reduce((n, e) => n + e.inFlight.requests, 0),
};

beforeAll(async () => {
  for (const i of [0, 1] as const) {
    const s = upstream(i);
    upstreams.push(s);
    addresses.push(await listen(s));
  }
  const parsed = parseManifests([{ path: "contract.yaml", text: CONFIG }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, {
    clock: { now: () => Date.now() },
    random: createSeededRandom(11),
  });
  store = core.store;
  const http = createHttpRouter({ core, transport: createNodeTransport() });
  router = await startHttpServer({
    fetch: http.app.fetch,
    inference: http.inference,
    host: "127.0.0.1",
    port: 0,
  });
});

afterAll(async () => {
  await router?.close();
  for (const s of upstreams) s.closeAllConnections();
  await Promise.all(upstreams.map((s) => new Promise((r) => s.close(r))));
});

beforeEach(() => {
  behaviour[0] = behaviour[1] = "ok";
  received = [];
  pushUpstreams();
});

describe("the OpenAI surface of the Node HTTP router", () => {
  for (const c of openAiSurfaceCases) {
    const reason = c.skip?.["http-router"];
    if (reason !== undefined) it.skip(`${c.name} (skipped: ${reason})`, () => {});
    else it(c.name, () => c.run(harness));
  }
});
