/**
 * ProcessingResponses as gRPC length-prefixed frames, all in one buffer. The replies sent on every
 * request (the pick's headers reply, streamed body chunks) are encoded by hand straight into that
 * buffer (reply-wire.ts: the body copied once, no buffer per nested message or string); any other
 * reply goes through `toBinary`. A test checks the hand encoding against `toBinary`, byte for byte.
 */
import { toBinary } from "@bufbuild/protobuf";
import {
  type ProcessingResponse,
  ProcessingResponseSchema,
} from "../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { handEncoded, handEncodedSize, startSizing, startWriting, writeHandEncoded } from "./reply-wire.js";

/** Where the frames are written: `size` bytes, all of which the encoder overwrites. */
export type FrameAllocator = (size: number) => Uint8Array;

const newBytes: FrameAllocator = (size) => new Uint8Array(size);
const EMPTY = new Uint8Array(0);

/** One protobuf encoding of `r`: by hand for the per-request shapes, else `toBinary`. */
export function encodeProcessingResponse(r: ProcessingResponse): Uint8Array {
  return encodeGrpcFrames([r]).subarray(5);
}

function writeLength(out: Uint8Array, at: number, n: number): void {
  out[at] = 0; // not compressed
  out[at + 1] = n >>> 24;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 8) & 0xff;
  out[at + 4] = n & 0xff;
}

/**
 * The replies as consecutive gRPC messages (flag byte 0 = uncompressed, 4-byte big-endian length,
 * message), in one buffer from `alloc`; empty for no replies.
 */
export function encodeGrpcFrames(
  replies: readonly ProcessingResponse[],
  alloc: FrameAllocator = newBytes,
): Uint8Array {
  if (replies.length === 0) return EMPTY;
  // Sizes first (hand-encoded replies) or the bytes (toBinary), then one buffer for all.
  const parts: (number | Uint8Array)[] = [];
  let total = 0;
  startSizing();
  for (const r of replies) {
    const part = handEncoded(r) ? handEncodedSize(r) : toBinary(ProcessingResponseSchema, r);
    parts.push(part);
    total += 5 + (typeof part === "number" ? part : part.length);
  }
  const out = alloc(total);
  let at = 0;
  startWriting();
  for (let i = 0; i < replies.length; i++) {
    const part = parts[i] as number | Uint8Array;
    if (typeof part === "number") {
      writeLength(out, at, part);
      at = writeHandEncoded(out, at + 5, replies[i] as ProcessingResponse);
    } else {
      writeLength(out, at, part.length);
      out.set(part, at + 5);
      at += 5 + part.length;
    }
  }
  if (at !== total) throw new Error(`encodeGrpcFrames: wrote ${at} bytes of ${total}`);
  return out;
}
