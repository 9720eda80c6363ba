import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { encodeGrpcFrames, encodeProcessingResponse } from "../../src/extproc/grpc-frames.js";
import { setHeader } from "../../src/extproc/header-map.js";
import { errorReply, headersReply, streamedChunk, trailersReply } from "../../src/extproc/replies.js";
import {
  type ProcessingResponse,
  ProcessingResponseSchema,
} from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31) & 0xff);
/** Byte equality without vitest's element-by-element diff (slow on megabytes). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("encodeGrpcFrames", () => {
  it("encodes streamed chunks byte for byte as toBinary does, for every size and end flag", () => {
    for (const size of [0, 1, 127, 128, 16_383, 16_384, 62_000, 2_097_152]) {
      for (const direction of ["request", "response"] as const) {
        for (const end of [false, true]) {
          const r = streamedChunk(direction, bytes(size), end);
          expect(same(encodeProcessingResponse(r), toBinary(ProcessingResponseSchema, r))).toBe(true);
        }
      }
    }
  });

  it("encodes every other reply with toBinary", () => {
    const others: ProcessingResponse[] = [
      headersReply("request", { set: [setHeader("x-a", "1")], remove: ["x-b"] }, true, { a: "b" }),
      trailersReply("response"),
      errorReply(new RouterError("BadRequest", "no model")),
      create(ProcessingResponseSchema, {
        response: {
          case: "requestBody",
          value: {
            response: {
              clearRouteCache: true,
              bodyMutation: { mutation: { case: "streamedResponse", value: { body: bytes(9) } } },
            },
          },
        },
      }),
    ];
    for (const r of others)
      expect(encodeProcessingResponse(r)).toEqual(toBinary(ProcessingResponseSchema, r));
  });

  it("frames several replies with a 5-byte prefix each, in order", () => {
    const replies = [headersReply("request"), streamedChunk("request", bytes(300), true)];
    const out = encodeGrpcFrames(replies);
    const view = new DataView(out.buffer, out.byteOffset, out.length);
    let at = 0;
    const decoded: ProcessingResponse[] = [];
    while (at < out.length) {
      expect(out[at]).toBe(0);
      const length = view.getUint32(at + 1);
      decoded.push(fromBinary(ProcessingResponseSchema, out.subarray(at + 5, at + 5 + length)));
      at += 5 + length;
    }
    expect(decoded).toEqual(replies);
    expect(encodeGrpcFrames([])).toHaveLength(0);
  });
});
