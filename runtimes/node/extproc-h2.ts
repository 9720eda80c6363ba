/**
 * ext_proc's one bidi method served straight on node:http2 with gRPC framing (5-byte envelopes,
 * grpc-status trailers): the default ext_proc transport (connect-node stays as `--extproc-transport
 * connect`). Same processor, same messages; it skips connect's per-call pipeline of async iterables,
 * abort signals and headers objects, which cost most of the picker's CPU per request on loopback and
 * kept the throughput/latency/memory targets out of reach (see the README, "Envoy").
 */
import type http2 from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { type ExtProcProcessor, type ExtProcSession, encodeGrpcFrames } from "../../src/extproc/index.js";
import {
  ProcessingRequestSchema,
  type ProcessingResponse,
} from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

const PATH = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";
const EMPTY = Buffer.alloc(0);

/** gRPC status codes used here. */
const Status = { OK: 0, INTERNAL: 13, UNIMPLEMENTED: 12, RESOURCE_EXHAUSTED: 8 } as const;

/**
 * Reply bytes are carved out of 64 KiB slabs, never reused (a slab is freed once every reply in it
 * was written out): one ArrayBuffer per ~14 picks instead of one per pick, each of which V8 would
 * otherwise free on its own in a young-generation GC. Larger replies get their own buffer. As with
 * Node's Buffer pool, a reply that HTTP/2 flow control holds back keeps its whole slab alive until it
 * is sent (Envoy's 256 MiB default windows make that rare).
 */
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;
function allocReply(size: number): Buffer {
  if (size > SLAB_BYTES / 4) return Buffer.allocUnsafeSlow(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += (size + 7) & ~7;
  return out;
}

function encode(replies: readonly ProcessingResponse[]): Buffer {
  return replies.length === 0 ? EMPTY : (encodeGrpcFrames(replies, allocReply) as Buffer);
}

/** What one stream's listeners share; the listeners themselves are the module's (no closures per stream). */
interface StreamState {
  session: ExtProcSession;
  maxMessageBytes: number;
  /** gRPC status and message for the trailers. */
  status: number;
  message: string;
  /** Bytes of an incomplete gRPC message. */
  pending: Buffer;
}

const STATE = Symbol("extproc stream state");
type ExtProcStream = http2.ServerHttp2Stream & { [STATE]?: StreamState | undefined };

function onWantTrailers(this: ExtProcStream): void {
  const st = this[STATE];
  const trailers: http2.OutgoingHttpHeaders = { "grpc-status": String(st?.status ?? Status.OK) };
  if (st !== undefined && st.message !== "") trailers["grpc-message"] = encodeURIComponent(st.message);
  this.sendTrailers(trailers);
}

function fail(stream: ExtProcStream, st: StreamState, code: number, text: string): void {
  st.status = code;
  st.message = text;
  st.session.close("error");
  if (!stream.writableEnded) stream.end();
}

function resume(this: ExtProcStream): void {
  this.resume();
}

function onData(this: ExtProcStream, chunk: Buffer): void {
  const st = this[STATE];
  if (st === undefined) return;
  let pending = st.pending.length === 0 ? chunk : Buffer.concat([st.pending, chunk]);
  let at = 0;
  while (pending.length - at >= 5) {
    const length = pending.readUInt32BE(at + 1);
    if (pending[at] !== 0) {
      fail(this, st, Status.UNIMPLEMENTED, "compressed messages are not supported");
      return;
    }
    if (length > st.maxMessageBytes) {
      const text = `message of ${length} bytes is larger than ${st.maxMessageBytes}`;
      fail(this, st, Status.RESOURCE_EXHAUSTED, text);
      return;
    }
    if (pending.length - at - 5 < length) break;
    const body = pending.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    let out: Buffer;
    try {
      out = encode(st.session.handle(fromBinary(ProcessingRequestSchema, body)));
    } catch (err) {
      fail(this, st, Status.INTERNAL, err instanceof Error ? err.message : String(err));
      return;
    }
    if (out.length > 0 && !this.write(out)) {
      this.pause();
      this.once("drain", resume);
    }
  }
  pending = at === pending.length ? EMPTY : pending.subarray(at);
  st.pending = pending;
}

function onEnd(this: ExtProcStream): void {
  this[STATE]?.session.close("end");
  if (!this.writableEnded) this.end();
}

function onError(this: ExtProcStream): void {
  this[STATE]?.session.close("error");
}

/** Reset by the client, or the connection went away: nothing more to answer. */
function onClose(this: ExtProcStream): void {
  this[STATE]?.session.close(this.rstCode === 0 ? "end" : "cancel");
  // Node frees a stream's native half only when a GC collects the JS stream, and V8's young-generation
  // GC treats that handle as a root: everything the stream reaches (the session, its pick, the parsed
  // body) would survive and be promoted with it, to be freed only by a full GC (seconds of growth,
  // then a 5-15 ms pause). Dropped here, only the stream object itself lingers.
  this[STATE] = undefined;
  for (const [event, listener] of LISTENERS) this.off(event, listener);
  this.off("drain", resume);
  this.on("error", ignore);
}

const LISTENERS = [
  ["wantTrailers", onWantTrailers],
  ["data", onData],
  ["end", onEnd],
  ["close", onClose],
  ["error", onError],
] as const satisfies readonly (readonly [string, (this: ExtProcStream, ...args: never[]) => void])[];

/** Handles `stream` events of an Http2Server for the ExternalProcessor service. */
export function handleExtProcStream(processor: ExtProcProcessor, maxMessageBytes: number) {
  return (stream: ExtProcStream, headers: http2.IncomingHttpHeaders): void => {
    const contentType = headers["content-type"] ?? "";
    if (headers[":path"] !== PATH || !contentType.startsWith("application/grpc")) {
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": String(Status.UNIMPLEMENTED) },
        { endStream: true },
      );
      return;
    }
    stream[STATE] = {
      session: processor.open(),
      maxMessageBytes,
      status: Status.OK,
      message: "",
      pending: EMPTY,
    };
    stream.respond(
      { ":status": 200, "content-type": "application/grpc", "grpc-accept-encoding": "identity" },
      { waitForTrailers: true },
    );
    for (const [event, listener] of LISTENERS) stream.on(event, listener);
  };
}

function ignore(): void {}
