/**
 * A node:http2 client that ends every ext_proc stream as Envoy's ext_proc filter does without the
 * runtime guard `envoy.reloadable_features.ext_proc_graceful_grpc_close` (envoyproxy/envoy#38661):
 * once the reply it waited for is in, it resets the stream (`stream.close(CANCEL)`: node:http2 sends
 * END_STREAM, then RST_STREAM(CANCEL)) instead of waiting for the trailers. (Envoy's own reset code
 * is NO_ERROR and it writes both frames at once: extproc-raw-client.ts does that byte for byte.) All streams share one HTTP/2 connection, at a fixed rate,
 * for a bounded count; it reports every stream that was not answered and every GOAWAY it received.
 */
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ProcessingRequestSchema,
  ProcessingResponseSchema,
} from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

const PROCESS = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";

/** How a run went: `answered + failed = streams`; a healthy run has no failures and no GOAWAY. */
export interface ResetRunResult {
  streams: number;
  answered: number;
  failed: number;
  /** The first few failures' messages. */
  failures: string[];
  /**
   * Streams refused before the server saw them (REFUSED_STREAM: queued in this client when a GOAWAY
   * arrived) and sent again on a new connection, as HTTP/2 allows (RFC 9113, 8.7) and grpc-js does.
   */
  retried: number;
  /** GOAWAY frames the server sent: error code and last stream id. */
  goaways: { code: number; lastStreamId: number }[];
  /** Connections opened (1 unless the server closed one; a closed one is replaced to keep going). */
  connections: number;
  /** Milliseconds from a stream's request to its answer, sorted. */
  latencies: number[];
  seconds: number;
}

/** The chat request Envoy sends, as gRPC frames: request headers, then the body with end_of_stream. */
export function chatRequestFrames(model = "food-review-1"): Buffer {
  const head = create(ProcessingRequestSchema, {
    request: {
      case: "requestHeaders",
      value: {
        headers: {
          headers: [
            [":method", "POST"],
            [":path", "/v1/chat/completions"],
            ["content-type", "application/json"],
          ].map(([key, v]) => ({ key, rawValue: Buffer.from(v!) })),
        },
      },
    },
  });
  const body = create(ProcessingRequestSchema, {
    request: {
      case: "requestBody",
      value: {
        body: Buffer.from(`{"model":"${model}","messages":[{"role":"user","content":"hi"}]}`),
        endOfStream: true,
      },
    },
  });
  return Buffer.concat([head, body].map((m) => frame(toBinary(ProcessingRequestSchema, m))));
}

function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** True once `bytes` hold the reply that ends the request body's streamed answer (the pick is in). */
export function pickAnswered(bytes: Buffer): boolean {
  for (let at = 0; at + 5 <= bytes.length; ) {
    const n = bytes.readUInt32BE(at + 1);
    if (at + 5 + n > bytes.length) return false;
    const r = fromBinary(ProcessingResponseSchema, bytes.subarray(at + 5, at + 5 + n)).response;
    if (r.case === "immediateResponse")
      throw new Error(`immediate response: ${Buffer.from(r.value.body).toString()}`);
    const m = r.case === "requestBody" ? r.value.response?.bodyMutation?.mutation : undefined;
    if (m?.case === "streamedResponse" && m.value.endOfStream) return true;
    at += 5 + n;
  }
  return false;
}

/**
 * Sends `streams` chat requests at `rate` per second over one connection to 127.0.0.1:`port`, each
 * reset with RST_STREAM(CANCEL) as soon as its pick is answered; resolves when every stream has
 * been answered or has failed (a stream unanswered after `streamTimeoutMs` fails).
 */
export async function runResetLoad(
  port: number,
  o: { streams: number; rate: number; streamTimeoutMs?: number; onAnswered?: (ms: number) => void },
): Promise<ResetRunResult> {
  const request = chatRequestFrames();
  const result: ResetRunResult = {
    streams: o.streams,
    answered: 0,
    failed: 0,
    failures: [],
    retried: 0,
    goaways: [],
    connections: 0,
    latencies: [],
    seconds: 0,
  };
  let session: http2.ClientHttp2Session | undefined;
  const connection = (): http2.ClientHttp2Session => {
    if (session !== undefined && !session.closed && !session.destroyed) return session;
    result.connections++;
    const s = http2.connect(`http://127.0.0.1:${port}`);
    s.on("goaway", (code, lastStreamId) => result.goaways.push({ code, lastStreamId }));
    s.on("error", () => {}); // each stream reports its own failure
    session = s;
    return s;
  };
  const fail = (why: string) => {
    result.failed++;
    if (result.failures.length < 5) result.failures.push(why);
  };
  const one = (sent = performance.now()): Promise<void> =>
    new Promise((resolve) => {
      const stream = connection().request({
        ":method": "POST",
        ":path": PROCESS,
        "content-type": "application/grpc",
        te: "trailers",
      });
      let bytes = Buffer.alloc(0);
      let done = false;
      const finish = (why?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (
          why !== undefined &&
          bytes.length === 0 &&
          stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM
        ) {
          result.retried++;
          resolve(one(sent));
          return;
        }
        if (why === undefined) {
          const ms = performance.now() - sent;
          result.answered++;
          result.latencies.push(ms);
          o.onAnswered?.(ms);
          // What Envoy does at the end of the request: reset the side stream, no half-close.
          stream.close(http2.constants.NGHTTP2_CANCEL);
        } else {
          fail(why);
          stream.destroy();
        }
        resolve();
      };
      const timer = setTimeout(() => finish("no answer in time"), o.streamTimeoutMs ?? 10_000);
      stream.on("data", (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        try {
          if (pickAnswered(bytes)) finish();
        } catch (err) {
          finish((err as Error).message);
        }
      });
      stream.on("error", (err: Error) => finish(err.message));
      stream.on("close", () => finish(`stream closed unanswered (code ${stream.rstCode})`));
      // No half-close: Envoy keeps its side open until the request is over, then resets.
      stream.write(request);
    });
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < o.streams; i++) {
    const wait = t0 + (i * 1000) / o.rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one());
  }
  await Promise.all(pending);
  result.seconds = (performance.now() - t0) / 1000;
  result.latencies.sort((a, b) => a - b);
  (session as http2.ClientHttp2Session | undefined)?.close();
  return result;
}
