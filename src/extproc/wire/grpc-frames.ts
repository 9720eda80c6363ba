/**
 * ProcessingResponses as gRPC length-prefixed frames, all in one buffer. The replies sent on every
 * request (the pick's headers reply, streamed body chunks) are encoded by hand straight into that
 * buffer (reply-encoder.ts: the body copied once, no buffer per nested message or string); any other
 * reply goes through `toBinary`. A test checks the hand encoding against `toBinary`, byte for byte.
 */
import { toBinary } from "@bufbuild/protobuf";
import {
  type ProcessingResponse,
  ProcessingResponseSchema,
} from "../../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { handEncoded } from "./reply-coverage.js";
import { ReplyEncoder } from "./reply-encoder.js";

/** Where the frames are written: `size` bytes, all of which the encoder overwrites. */
export type FrameAllocator = (size: number) => Uint8Array;

/** Bytes before each message: the compressed flag and a 4-byte big-endian length. */
export const GRPC_PREFIX_BYTES = 5;

const newBytes: FrameAllocator = (size) => new Uint8Array(size);
const EMPTY = new Uint8Array(0);

function writePrefix(out: Uint8Array, at: number, n: number): void {
  out[at] = 0; // not compressed
  out[at + 1] = n >>> 24;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 8) & 0xff;
  out[at + 4] = n & 0xff;
}

/**
 * Encodes batches of replies as gRPC frames. Each call sizes, then writes, with a ReplyEncoder of
 * its own: the one this instance keeps, or a new one when a call is already in flight (an allocator
 * that encodes, or an exception mid-batch, cannot hand one call's recorded sizes to another).
 */
export class GrpcFrameEncoder {
  #spare: ReplyEncoder | undefined = new ReplyEncoder();

  /**
   * The replies as consecutive gRPC messages (flag byte 0 = uncompressed, 4-byte big-endian length,
   * message), in one buffer from `alloc`; empty for no replies.
   */
  encode(replies: readonly ProcessingResponse[], alloc: FrameAllocator = newBytes): Uint8Array {
    if (replies.length === 0) return EMPTY;
    const enc = this.#spare ?? new ReplyEncoder();
    this.#spare = undefined;
    try {
      return encodeWith(enc, replies, alloc);
    } finally {
      this.#spare = enc;
    }
  }
}

function encodeWith(
  enc: ReplyEncoder,
  replies: readonly ProcessingResponse[],
  alloc: FrameAllocator,
): Uint8Array {
  // Sizes first (hand-encoded replies) or the bytes (toBinary), then one buffer for all.
  const parts: (number | Uint8Array)[] = [];
  let total = 0;
  enc.reset();
  for (const r of replies) {
    const part = handEncoded(r) ? enc.size(r) : toBinary(ProcessingResponseSchema, r);
    parts.push(part);
    total += GRPC_PREFIX_BYTES + (typeof part === "number" ? part : part.length);
  }
  const out = alloc(total);
  let at = 0;
  for (let i = 0; i < replies.length; i++) {
    const part = parts[i] as number | Uint8Array;
    if (typeof part === "number") {
      writePrefix(out, at, part);
      at = enc.write(out, at + GRPC_PREFIX_BYTES, replies[i] as ProcessingResponse);
    } else {
      writePrefix(out, at, part.length);
      out.set(part, at + GRPC_PREFIX_BYTES);
      at += GRPC_PREFIX_BYTES + part.length;
    }
  }
  if (at !== total) throw new Error(`encodeGrpcFrames: wrote ${at} bytes of ${total}`);
  return out;
}

const shared = new GrpcFrameEncoder();

/** `GrpcFrameEncoder.encode` on a module-wide encoder (safe to re-enter: see GrpcFrameEncoder). */
export function encodeGrpcFrames(
  replies: readonly ProcessingResponse[],
  alloc: FrameAllocator = newBytes,
): Uint8Array {
  return shared.encode(replies, alloc);
}

/** One protobuf encoding of `r`: by hand for the per-request shapes, else `toBinary`. */
export function encodeProcessingResponse(r: ProcessingResponse): Uint8Array {
  return encodeGrpcFrames([r]).subarray(GRPC_PREFIX_BYTES);
}
