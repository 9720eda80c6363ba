/**
 * ext_proc's one bidi method served straight on node:http2 with gRPC framing: the default ext_proc
 * transport (connect-node stays as `--extproc-transport connect`). Same processor, same messages; it
 * skips connect's per-call pipeline of async iterables, abort signals and headers objects, which cost
 * most of the picker's CPU per request on loopback (see the README, "Envoy"). Carries bytes only: the
 * framing, the refusals and the reply encoding are src/extproc/wire's.
 */
import type http2 from "node:http2";
import type { ExtProcProcessor, ExtProcSession } from "../../src/extproc/index.js";
import {
  createSlabAllocator,
  decodeProcessingRequest,
  encodeGrpcMessage,
  GrpcFrameEncoder,
  GrpcMessageReader,
  GrpcStatus,
  GrpcStatusError,
  refuseCall,
} from "../../src/extproc/wire/index.js";

const allocReply = createSlabAllocator();

/** What one stream's listeners share; the listeners themselves are the module's (no closures per stream). */
interface StreamState {
  session: ExtProcSession;
  reader: GrpcMessageReader;
  frames: GrpcFrameEncoder;
  /** gRPC status and message for the trailers. */
  status: number;
  message: string;
}

const STATE = Symbol("extproc stream state");
type ExtProcStream = http2.ServerHttp2Stream & { [STATE]?: StreamState | undefined };

function onWantTrailers(this: ExtProcStream): void {
  const st = this[STATE];
  const trailers: http2.OutgoingHttpHeaders = { "grpc-status": String(st?.status ?? GrpcStatus.OK) };
  if (st !== undefined && st.message !== "") trailers["grpc-message"] = encodeGrpcMessage(st.message);
  this.sendTrailers(trailers);
}

function fail(stream: ExtProcStream, st: StreamState, err: unknown): void {
  st.status = err instanceof GrpcStatusError ? err.code : GrpcStatus.INTERNAL;
  st.message = err instanceof Error ? err.message : String(err);
  st.session.close("error");
  if (!stream.writableEnded) stream.end();
}

function resume(this: ExtProcStream): void {
  this.resume();
}

function onData(this: ExtProcStream, chunk: Buffer): void {
  const st = this[STATE];
  if (st === undefined || st.status !== GrpcStatus.OK) return;
  st.reader.push(chunk);
  try {
    for (let body = st.reader.next(); body !== undefined; body = st.reader.next()) {
      send(this, st.session.handle(decodeProcessingRequest(body)));
      // Flow control holds the request: its replies are written when it is dispatched or dropped.
      st.session.takeDeferred()?.then((held) => send(this, held));
    }
  } catch (err) {
    fail(this, st, err);
  }
}

/** Writes replies (none: nothing), pausing reads until the client drains a full buffer. */
function send(stream: ExtProcStream, replies: Parameters<GrpcFrameEncoder["encode"]>[0]): void {
  const st = stream[STATE];
  if (replies.length === 0 || st === undefined || st.status !== GrpcStatus.OK || stream.writableEnded) return;
  if (!stream.write(st.frames.encode(replies, allocReply))) {
    stream.pause();
    stream.once("drain", resume);
  }
}

/** The session's push channel: replies no message asked for (an eviction's answer). */
function pushTo(replies: Parameters<GrpcFrameEncoder["encode"]>[0], stream: ExtProcStream): void {
  send(stream, replies);
}

function onEnd(this: ExtProcStream): void {
  const st = this[STATE];
  if (st === undefined || st.status !== GrpcStatus.OK) return;
  try {
    st.reader.end();
  } catch (err) {
    fail(this, st, err);
    return;
  }
  st.session.close("end");
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
  // One encoder per listener: its sizing record is reused by every stream's replies, one batch at a time.
  const frames = new GrpcFrameEncoder();
  return (stream: ExtProcStream, headers: http2.IncomingHttpHeaders): void => {
    const refusal = refuseCall(headers);
    if (refusal !== undefined) {
      stream.respond(
        {
          ":status": refusal.httpStatus,
          "content-type": "application/grpc",
          "grpc-status": String(refusal.grpcStatus),
          "grpc-message": encodeGrpcMessage(refusal.message),
        },
        { endStream: true },
      );
      return;
    }
    const encoding = headers["grpc-encoding"];
    stream[STATE] = {
      session: processor.open(),
      reader: new GrpcMessageReader(maxMessageBytes, typeof encoding === "string" ? encoding : undefined),
      frames,
      status: GrpcStatus.OK,
      message: "",
    };
    stream.respond(
      { ":status": 200, "content-type": "application/grpc", "grpc-accept-encoding": "identity" },
      { waitForTrailers: true },
    );
    for (const [event, listener] of LISTENERS) stream.on(event, listener);
    // Flow control's in-flight eviction answers without a message to answer: written at once (the
    // module's writer and this stream, no closure per stream; flow control may be switched on by a
    // reload while the stream is open, so it is registered whatever the gate says now).
    stream[STATE].session.onPush(pushTo, stream);
  };
}

function ignore(): void {}
