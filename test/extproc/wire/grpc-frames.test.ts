import { create, fromBinary, type JsonObject, toBinary } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { RouterError } from "../../../src/core/errors.js";
import { setHeader } from "../../../src/extproc/header-map.js";
import { pickReplies } from "../../../src/extproc/pick-replies.js";
import {
  errorReply,
  headersReply,
  type Mutation,
  streamedChunk,
  trailersReply,
} from "../../../src/extproc/replies.js";
import { encodeGrpcFrames, encodeProcessingResponse } from "../../../src/extproc/wire/grpc-frames.js";
import { handEncoded } from "../../../src/extproc/wire/reply-coverage.js";
import { ReplyEncoder } from "../../../src/extproc/wire/reply-encoder.js";
import { createSlabAllocator } from "../../../src/extproc/wire/slab-allocator.js";
import {
  HeaderValueOption_HeaderAppendAction as AppendAction,
  type HeaderValueOption,
  HeaderValueOptionSchema,
} from "../../../src/gen/envoy/config/core/v3/base_pb.js";
import {
  type ProcessingResponse,
  ProcessingResponseSchema,
} from "../../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

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

  it("encodes headers replies byte for byte as toBinary does: headers, removals, metadata, odd strings", () => {
    const long = "v".repeat(20_000);
    const values = [
      "10.0.0.1:8000",
      "",
      "é-ü",
      "x".repeat(64),
      "y".repeat(65),
      long,
      "a😀b",
      "\ud800x",
      "z\udc00",
    ];
    const options: HeaderValueOption[] = [
      ...values.map((v) => setHeader("x-gateway-destination-endpoint", v)),
      setHeader("", "no key"),
      setHeader("ключ", "1"),
      create(HeaderValueOptionSchema, { header: { key: "x-plain", value: "in value" } }),
      create(HeaderValueOptionSchema, {
        header: { key: "x-both", value: "v", rawValue: new Uint8Array([1, 2]) },
      }),
      create(HeaderValueOptionSchema, { header: {}, keepEmptyValue: true }),
      create(HeaderValueOptionSchema, { appendAction: AppendAction.OVERWRITE_IF_EXISTS }),
      create(HeaderValueOptionSchema, {}),
    ];
    const mutations: (Mutation | undefined)[] = [
      undefined,
      { set: [], remove: [] },
      { set: options, remove: [] },
      { set: options.slice(0, 3), remove: ["x-b", "", "ü", long] },
      { set: Array.from({ length: 300 }, (_, i) => setHeader(`x-h${i}`, String(i))), remove: ["x-c"] },
    ];
    const metadata: (JsonObject | undefined)[] = [
      undefined,
      {},
      { "envoy.lb": { "x-gateway-destination-endpoint": "10.0.0.1:8000,10.0.0.2:8000" } },
      { "": "", a: {}, b: { c: { d: long, "é😀": "\ud83d" } }, "2": "number-like key", "1": "sorted first" },
    ];
    let n = 0;
    for (const direction of ["request", "response"] as const)
      for (const mutation of mutations)
        for (const routed of [false, true])
          for (const md of metadata) {
            const r = headersReply(direction, mutation, routed, md);
            expect(handEncoded(r)).toBe(true);
            expect(same(encodeProcessingResponse(r), toBinary(ProcessingResponseSchema, r))).toBe(true);
            n++;
          }
    expect(n).toBe(80);
  });

  it("hand-encodes every reply of a pick in both body modes' streamed path", () => {
    const body = new TextEncoder().encode('{"model":"m"}');
    const pick = { destinations: "10.0.0.1:8000,10.0.0.2:8000", requestId: "id-1", body, bodyChanged: false };
    const replies = pickReplies(pick, "FULL_DUPLEX_STREAMED", true);
    expect(replies.map(handEncoded)).toEqual([true, true]);
    const status = create(ProcessingResponseSchema, {
      response: { case: "requestHeaders", value: { response: { status: 1, clearRouteCache: true } } },
    });
    const emptyMutation = create(ProcessingResponseSchema, {
      response: { case: "responseBody", value: { response: { bodyMutation: {} } } },
    });
    expect(handEncoded(emptyMutation)).toBe(true);
    for (const r of [...replies, status, emptyMutation])
      expect(same(encodeProcessingResponse(r), toBinary(ProcessingResponseSchema, r))).toBe(true);
  });

  it("leaves shapes it does not cover to toBinary, with the same bytes", () => {
    const covered = headersReply("request", { set: [setHeader("x-a", "1")], remove: [] });
    const timed = headersReply("request");
    timed.overrideMessageTimeout = create(DurationSchema, { seconds: 1n });
    const withAppend = create(HeaderValueOptionSchema, { header: { key: "k" }, append: true });
    const uncovered: ProcessingResponse[] = [
      headersReply("request", undefined, false, { n: 1 }),
      headersReply("request", undefined, false, { list: ["a"] }),
      headersReply("request", undefined, false, { t: true, z: null }),
      headersReply("request", { set: [withAppend], remove: [] }),
      timed,
      create(ProcessingResponseSchema, {
        response: { case: "requestHeaders", value: { response: { trailers: { headers: [{ key: "t" }] } } } },
      }),
      create(ProcessingResponseSchema, {
        response: {
          case: "requestBody",
          value: { response: { bodyMutation: { mutation: { case: "body", value: bytes(3) } } } },
        },
      }),
    ];
    expect(handEncoded(covered)).toBe(true);
    for (const r of uncovered) {
      expect(handEncoded(r)).toBe(false);
      expect(same(encodeProcessingResponse(r), toBinary(ProcessingResponseSchema, r))).toBe(true);
    }
  });

  it("writes into the buffer the allocator gives, as one run of frames", () => {
    const replies = [
      headersReply("request", undefined, true, { a: "b" }),
      streamedChunk("request", bytes(300), true),
    ];
    const slab = new Uint8Array(4096).fill(0xee);
    let used = 3;
    const out = encodeGrpcFrames(replies, (size) => {
      used += size;
      return slab.subarray(used - size, used);
    });
    expect(out.byteOffset).toBe(3);
    expect(same(out, encodeGrpcFrames(replies))).toBe(true);
    expect(slab[2]).toBe(0xee);
    expect(slab[used]).toBe(0xee);
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

  it("keeps each call's sizes its own when the allocator encodes another batch in between", () => {
    const outer = [headersReply("request", { set: [setHeader("x-a", "1")], remove: [] }, true, { a: "b" })];
    const inner = [headersReply("response", { set: [setHeader("x-long", "v".repeat(300))], remove: ["x"] })];
    const expectedOuter = encodeGrpcFrames(outer);
    const expectedInner = encodeGrpcFrames(inner);
    let nested: Uint8Array | undefined;
    const out = encodeGrpcFrames(outer, (size) => {
      nested = encodeGrpcFrames(inner);
      return new Uint8Array(size);
    });
    expect(same(out, expectedOuter)).toBe(true);
    expect(same(nested ?? new Uint8Array(0), expectedInner)).toBe(true);
  });

  it("lets two ReplyEncoders size and write interleaved batches", () => {
    const a = headersReply("request", { set: [setHeader("x-a", "é")], remove: ["x-b"] }, true, {
      m: { n: "o" },
    });
    const b = headersReply("response", { set: [setHeader("x-c", "d".repeat(200))], remove: [] });
    const ea = new ReplyEncoder();
    const eb = new ReplyEncoder();
    ea.reset();
    eb.reset();
    const outA = new Uint8Array(ea.size(a));
    const outB = new Uint8Array(eb.size(b));
    expect(ea.write(outA, 0, a)).toBe(outA.length);
    expect(eb.write(outB, 0, b)).toBe(outB.length);
    expect(same(outA, toBinary(ProcessingResponseSchema, a))).toBe(true);
    expect(same(outB, toBinary(ProcessingResponseSchema, b))).toBe(true);
  });
});

describe("createSlabAllocator", () => {
  it("carves small replies out of one slab on 8-byte boundaries, and gives large ones their own buffer", () => {
    const alloc = createSlabAllocator(64);
    const first = alloc(5);
    const second = alloc(3);
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(8);
    expect(alloc(17).buffer).not.toBe(first.buffer);
    for (let i = 0; i < 3; i++) expect(alloc(16).buffer).toBe(first.buffer); // fills the 64 bytes
    const next = alloc(1);
    expect(next.buffer).not.toBe(first.buffer);
    expect([next.byteOffset, next.length]).toEqual([0, 1]);
  });
});
