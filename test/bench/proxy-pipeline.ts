/**
 * The HTTP router's own work per request, without sockets (not a test; a profiling aid for
 * bench:proxy): the one pipeline `serve` runs (config from a directory, the default profile,
 * metrics) driven by InferenceRequest with an in-memory upstream that answers the bench's JSON or SSE
 * on the next microtask. Prints CPU µs per request (best of 5 batches).
 * Run: node --import tsx test/bench/proxy-pipeline.ts [json|sse] [requests per batch]
 *      (node --cpu-prof --import tsx ... to see where the time goes)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadResources } from "../../runtimes/node/config-loader.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import { InferenceRequest } from "../../src/http/inference.js";
import type { ClientSink, UpstreamTransport } from "../../src/proxy/upstream.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { parseSnapshot } from "../../src/state/snapshot.js";

const kind = process.argv[2] === "sse" ? "sse" : "json";
const N = Number(process.argv[3] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), "pipeline-"));
writeFileSync(
  join(dir, "pool.yaml"),
  "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: {name: bench}\nspec: {selector: {matchLabels: {app: bench}}, targetPorts: [{number: 8000}]}\n",
);
const resources = await loadResources(dir);
rmSync(dir, { recursive: true });
const core = createRouterCore(resources, {
  clock: { now: () => Date.now() },
  random: { next: Math.random },
  now: () => performance.now(),
});
const push = (seq: number) =>
  core.store.push(
    parseSnapshot(
      {
        pool: "bench",
        source: "bench",
        sequence: BigInt(seq),
        endpoints: [
          {
            address: "127.0.0.1:8000",
            ready: true,
            labels: {},
            engine: "sim",
            models: [],
            metrics: {
              waitingRequests: 0,
              runningRequests: 0,
              kvCacheUsage: 0,
              activeAdapters: [],
              waitingAdapters: [],
              maxAdapters: 0,
              blockSize: 16,
              numBlocks: 1000,
            },
          },
        ],
      },
      Date.now(),
    ),
  );
push(1);

const enc = new TextEncoder();
const completion = enc.encode(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1,
    model: "bench-model",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "hello from the bench upstream" },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
  }),
);
const chunks = Array.from({ length: 16 }, (_, i) =>
  enc.encode(
    `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench-model","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`,
  ),
);
const last = enc.encode(
  'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench-model","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":16,"total_tokens":21}}\n\ndata: [DONE]\n\n',
);
const jsonHeaders = { "content-type": "application/json", "content-length": String(completion.length) };
const sseHeaders = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "transfer-encoding": "chunked",
};

const transport: UpstreamTransport = (_target, events) => {
  queueMicrotask(() => {
    if (kind === "json") {
      events.head(200, jsonHeaders);
      events.data(completion);
    } else {
      events.head(200, sseHeaders);
      for (const c of chunks) events.data(c);
      events.data(last);
    }
    events.end();
  });
  return { abort() {}, pause() {}, resume() {} };
};
const http = createHttpRouter({ core, transport, now: () => performance.now() });
const body = enc.encode(
  JSON.stringify({
    model: "bench-model",
    messages: [{ role: "user", content: "Say hello to the benchmark." }],
    max_tokens: 16,
    ...(kind === "sse" ? { stream: true } : {}),
  }),
);
const headers = {
  host: "127.0.0.1:8080",
  "content-type": "application/json",
  "content-length": String(body.length),
};

function one(): Promise<void> {
  return new Promise((resolve) => {
    const sink: ClientSink = {
      head() {},
      write: () => true,
      end: () => resolve(),
      onDrain() {},
    };
    const r = new InferenceRequest(
      http.inference,
      { path: "/v1/chat/completions", kind: "chat", headers },
      sink,
    );
    r.data(body);
    r.end();
  });
}

// CPU time, not wall time: on a shared machine the wall clock also counts the time others ran.
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
let best = Number.POSITIVE_INFINITY;
for (let batch = 0; batch < 6; batch++) {
  const t0 = cpuUs();
  for (let i = 0; i < N; i++) await one();
  const us = (cpuUs() - t0) / N;
  if (batch > 0) best = Math.min(best, us);
  push(batch + 2);
}
console.log(
  `${kind}: ${best.toFixed(1)} µs of CPU per request through the pipeline (best of 5 batches of ${N})`,
);
http.close();
core.dispose();
