/**
 * bench:extproc's load client: grpc-js playing Envoy (see extproc.bench.ts). The request it sends,
 * the channel options and the fixes that keep this process's own GC out of the measured tail, and the
 * ways it drives a server: one exchange, a stream held open mid-answer, closed and open loops.
 * Importing it applies the process-wide settings (stack traces, AsyncResource.bind, pretenuring) and
 * starts recording this process's GC pauses.
 */
import { AsyncResource } from "node:async_hooks";
import { constants, PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import { fromBinary } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { ProcessingResponseSchema } from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { type Msg, requestBody, requestHeaders } from "../integration/extproc-client.js";

export const PROCESS = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";
/**
 * Envoy sends every request with an x-request-id (it makes one when the client did not): without it
 * the picker would make a UUID per request, work that Envoy's requests never cost it. Both load
 * clients stamp a fresh id per request into the last 12 hex digits of this one.
 */
export const REQUEST_ID = "9b2f6c1e-3d4a-4f5b-8c7d-000000000000";
export const HEADERS = requestHeaders({
  ":method": "POST",
  ":path": "/v1/chat/completions",
  "content-type": "application/json",
  "x-request-id": REQUEST_ID,
});
const filler = "x".repeat(4096 - 90);
export const BODY_JSON = `{"model":"llama","messages":[{"role":"user","content":"${filler}"}],"max_tokens":16}`;
export const BODY_4K = requestBody(BODY_JSON, true);
export const CHANNELS = 4;
/**
 * Envoy's ext_proc client neither retries a stream nor keeps per-call debug records; grpc-js does both
 * by default (a retry layer that buffers every sent message until the call commits, and channelz call
 * tracing). Off here, so the load client spends its share of the two cores on the exchange itself.
 * grpc-js also shares one subchannel (one TCP connection) among channels to the same target; a local
 * pool per channel gives CHANNELS connections, as Envoy's worker threads each hold their own. And
 * its receive windows are HTTP/2's 64 KiB, where Envoy's (initial_stream_window_size,
 * initial_connection_window_size) default to 256 MiB: with 64 KiB for a whole connection the picker's
 * replies to 250 streams queued behind ~15 at a time, and some waited seconds.
 */
export const LOAD_CLIENT_OPTIONS = {
  "grpc.enable_retries": 0,
  "grpc.enable_channelz": 0,
  "grpc.use_local_subchannel_pool": 1,
  "grpc-node.flow_control_window": 256 * 1024 * 1024,
};
// grpc-js captures a stack trace (new Error()) on every call to decorate a failure; stack capture was
// ~9% of the load client's CPU. This process's own errors still carry their messages.
Error.stackTraceLimit = 0;

/**
 * Two fixes to this load client's young-generation GC, which otherwise set the measured tail (young GCs
 * of 4-10 ms every ~250 ms at 1,000 req/s, each promoting ~2.5 MB of finished calls until the next full
 * GC). Found with the sampling heap profiler (objects freed only by full GCs) and `--trace-gc-nvp`:
 *
 * 1. Node 20's http2 client runs every request's connect step through `AsyncResource.bind`, whose
 *    DEP0172 getters are made by `deprecate()`, which calls `setPrototypeOf` on fresh closures. Each such
 *    closure gets a new map in old space whose prototype link keeps the closure, its context and with it
 *    the request's whole stream, alive through every young GC. Same behaviour, without the deprecated
 *    `asyncResource` property: a plain closure. (Envoy, the real client, is C++; the picker's server
 *    side does not take this path.)
 * 2. V8's allocation-site pretenuring: after a burst where many calls are in flight at once (the
 *    warm-up, the 1,000-stream run), V8 decides grpc-js's per-call objects are long-lived and allocates
 *    them straight in old space, where they keep each later call's young objects alive through young
 *    GCs. (Tried on the picker too: no difference there, so it keeps V8's default.)
 */
function leanBind(this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown) {
  const resource = this;
  return function (this: unknown, ...args: unknown[]) {
    return resource.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args);
  };
}
AsyncResource.prototype.bind = leanBind as unknown as typeof AsyncResource.prototype.bind;
v8.setFlagsFromString("--no-allocation-site-pretenuring");

/**
 * This process's GC pauses (start and duration, ms on performance.now()'s clock), to set against the
 * tail; `minor` for a young-generation GC.
 */
export const clientGc: { start: number; ms: number; minor: boolean }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    clientGc.push({
      start: e.startTime,
      ms: e.duration,
      minor: kind === constants.NODE_PERFORMANCE_GC_MINOR,
    });
  }
}).observe({ entryTypes: ["gc"] });

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * The client plays Envoy, which encodes each message once in C++ and has no GC: requests are encoded
 * once here (with proto-loader's serializer, an implementation independent of the picker's) and sent
 * as bytes, and replies are decoded with the generated schema. Re-encoding a 4 KiB body and building
 * protobufjs objects per reply made the load client's own GC pauses a large part of the measured tail.
 */
type ProcessMethod = { service: { Process: { requestSerialize(m: Msg): Buffer } } };
export function encodeRequest(client: grpc.Client, m: Msg): Buffer {
  return (client.constructor as unknown as ProcessMethod).service.Process.requestSerialize(m);
}
export const passThrough = (b: Buffer) => b;

/** One exchange; resolves with ms from the body's send to the last body chunk. */
/**
 * Streams the picker refused unprocessed (opened after its connection-retirement notice, see
 * runtimes/node/extproc-resets.ts) and sent again on a new stream, as a gRPC client with transparent
 * retries does: this client turns grpc-js's retries off (their per-call cost), so it resends itself.
 */
export const refusedStreams = { resent: 0 };

export function exchange(
  client: grpc.Client,
  head: Buffer,
  body: readonly Buffer[],
  firstSent?: number,
  attempt = 1,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(PROCESS, passThrough, passThrough);
    let start = 0;
    call.on("data", (bytes: Buffer) => {
      const r = fromBinary(ProcessingResponseSchema, bytes).response;
      if (r.case === "immediateResponse")
        reject(new Error(`error reply: ${Buffer.from(r.value.body).toString()}`));
      const mutation = r.case === "requestBody" ? r.value.response?.bodyMutation?.mutation : undefined;
      if (mutation?.case === "streamedResponse" && mutation.value.endOfStream) {
        const ms = performance.now() - start;
        call.end();
        resolve(ms);
      }
    });
    call.on("error", (err: grpc.ServiceError) => {
      // REFUSED_STREAM: the server never processed it. The latency keeps counting from the first send.
      if (err.code === 14 /* UNAVAILABLE */ && err.details === "Stream refused by server" && attempt < 3) {
        refusedStreams.resent++;
        exchange(client, head, body, start, attempt + 1).then(resolve, reject);
      } else reject(err);
    });
    call.write(head);
    start = firstSent ?? performance.now();
    for (const b of body) call.write(b);
  });
}

/** The 4 KiB chat request, encoded: headers message, body message(s). */
export interface Request4K {
  head: Buffer;
  body: Buffer[];
}

/**
 * One stream as Envoy holds it while the model server streams its answer: request headers + body ->
 * the pick; then the response headers (SSE) and a first token go through, and the stream stays open.
 * `opened` resolves (with ms from the body's send to the pick) once the token came back;
 * `finish()` sends the last event with end_of_stream and resolves when its reply is in.
 */
export function holdOne(
  client: grpc.Client,
  req: Request4K,
  response: { head: Buffer; token: Buffer; last: Buffer },
): { opened: Promise<number>; finish(): Promise<void> } {
  const call = client.makeBidiStreamRequest(PROCESS, passThrough, passThrough);
  let start = 0;
  let pickMs = 0;
  let onOpened!: (ms: number) => void;
  let onFinished!: () => void;
  let fail!: (e: Error) => void;
  const opened = new Promise<number>((resolve, reject) => {
    onOpened = resolve;
    fail = reject;
  });
  const finished = new Promise<void>((resolve) => {
    onFinished = resolve;
  });
  call.on("data", (bytes: Buffer) => {
    const r = fromBinary(ProcessingResponseSchema, bytes).response;
    if (r.case === "immediateResponse") return fail(new Error(Buffer.from(r.value.body).toString()));
    const mutation =
      r.case === "requestBody" || r.case === "responseBody"
        ? r.value.response?.bodyMutation?.mutation
        : undefined;
    if (r.case === "requestBody" && mutation?.case === "streamedResponse" && mutation.value.endOfStream) {
      pickMs = performance.now() - start;
      call.write(response.head);
      call.write(response.token);
    } else if (r.case === "responseBody" && mutation?.case === "streamedResponse") {
      if (!mutation.value.endOfStream) onOpened(pickMs);
      else {
        call.end();
        onFinished();
      }
    }
  });
  call.on("error", (e: Error) => fail(e));
  call.write(req.head);
  start = performance.now();
  for (const b of req.body) call.write(b);
  return {
    opened,
    finish() {
      call.write(response.last);
      return finished;
    },
  };
}

/**
 * What the loops drive: `exchange(i)` sends one bench request (worker or request number `i` picks the
 * connection) and resolves with ms from its body's send to the last body chunk. Two clients:
 * {@link grpcDriver} here and the raw one (extproc-raw-load.ts).
 */
export interface LoadDriver {
  exchange(i: number): Promise<number>;
  close(): void;
}

/** The grpc-js client: `clients` (one connection each) sending `req`, with a fresh x-request-id per request. */
export function grpcDriver(clients: grpc.Client[], req: Request4K): LoadDriver {
  const idAt = req.head.indexOf(REQUEST_ID) + 24;
  if (idAt < 24) throw new Error("grpc-js driver: request id not in the headers message");
  let seq = 0;
  return {
    exchange(i) {
      const head = Buffer.from(req.head);
      head.write((++seq).toString(16).padStart(12, "0"), idAt, 12, "latin1");
      return exchange(clients[i % clients.length]!, head, req.body);
    },
    close() {
      for (const c of clients) c.close();
    },
  };
}

/** Closed loop: `concurrency` workers, each sending back to back, until `total` requests or `maxMs`. */
export async function closedLoop(driver: LoadDriver, concurrency: number, total: number, maxMs: number) {
  const lat: number[] = [];
  const t0 = performance.now();
  let issued = 0;
  const worker = async (w: number) => {
    while (issued < total && performance.now() - t0 < maxMs) {
      issued++;
      lat.push(await driver.exchange(w));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { n: lat.length, rps: lat.length / secs, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

/** Open loop at a fixed rate for `seconds`; `spans` gets each request's [sent, answered] times. */
export async function openLoop(
  driver: LoadDriver,
  rate: number,
  seconds: number,
  spans: [number, number][] = [],
) {
  const lat: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(
      driver.exchange(i).then((ms) => {
        lat.push(ms);
        spans.push([sent, sent + ms]);
      }),
    );
  }
  await Promise.all(pending);
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { n: lat.length, rps: lat.length / secs, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

/**
 * The latencies of the requests that were not in flight during one of this load client's own GC
 * pauses: what the picker adds when its client does not stall (Envoy has no GC). Sorted.
 */
export function withoutClientPauses(
  spans: readonly [number, number][],
  pauses: readonly { start: number; ms: number }[],
) {
  return spans
    .filter(([from, to]) => !pauses.some((p) => p.start < to && p.start + p.ms > from))
    .map(([from, to]) => to - from)
    .sort((a, b) => a - b);
}
