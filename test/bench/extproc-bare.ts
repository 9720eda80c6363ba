/**
 * A reference point for bench:extproc, not a product: the least a Node 20 gRPC server on node:http2
 * does per ext_proc exchange. Same server settings and receive windows as the picker; it reads the
 * request's messages and, when the second one (the body) is complete, writes the reply bytes the
 * picker sends for the bench's request, encoded once at start. No protobuf decoding, parsing or
 * routing per request. It shows how much of the 1,000 req/s tail is node:http2 and its GC.
 * Run: node --import tsx test/bench/extproc-bare.ts <body bytes>  (prints "listening <port>").
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { pickReplies } from "../../src/extproc/pick-replies.js";
import { encodeGrpcFrames } from "../../src/extproc/wire/grpc-frames.js";

const bodyBytes = Number(process.argv[2] ?? 4096);
const frames = encodeGrpcFrames(
  pickReplies(
    {
      destinations: "10.0.0.2:8000",
      requestId: "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
      body: new Uint8Array(bodyBytes).fill(120),
    },
    "FULL_DUPLEX_STREAMED",
    true,
  ),
);
const reply = Buffer.from(frames.buffer, frames.byteOffset, frames.length);
const EMPTY: Buffer = Buffer.alloc(0);

const server = http2.createServer({ maxSessionMemory: 256, settings: { initialWindowSize: 1 << 20 } });
server.on("session", (session) => session.setLocalWindowSize(16 << 20));
server.on("stream", (stream) => {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  let pending: Buffer = EMPTY;
  let messages = 0;
  const onTrailers = () => stream.sendTrailers({ "grpc-status": "0" });
  const onData = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      pending = pending.subarray(5 + pending.readUInt32BE(1));
      if (++messages === 2) stream.write(reply);
    }
  };
  const onEnd = () => stream.end();
  // As the picker does: a closed stream's listeners go, so its native handle keeps nothing alive.
  const onClose = () => {
    stream.off("wantTrailers", onTrailers);
    stream.off("data", onData);
    stream.off("end", onEnd);
    stream.off("close", onClose);
    pending = EMPTY;
  };
  stream.on("wantTrailers", onTrailers);
  stream.on("data", onData);
  stream.on("end", onEnd);
  stream.on("close", onClose);
  stream.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
