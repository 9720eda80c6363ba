import { create, equals, isMessage, type JsonObject, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { setHeader } from "../../src/extproc/header-map.js";
import { headersReply, type Mutation, streamedChunk } from "../../src/extproc/replies.js";
import {
  HeaderValueOption_HeaderAppendAction,
  HeaderValueOptionSchema,
} from "../../src/gen/envoy/config/core/v3/base_pb.js";
import {
  type ProcessingResponse,
  ProcessingResponseSchema,
} from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

// The per-request replies are written as object literals; these are the same messages through create().
const enc = new TextEncoder();
const viaCreateHeader = (key: string, value: string) =>
  create(HeaderValueOptionSchema, {
    header: { key, rawValue: enc.encode(value) },
    appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
  });

function viaCreateHeaders(
  direction: "request" | "response",
  mutation: Mutation | undefined,
  routed: boolean,
  dynamicMetadata: JsonObject | undefined,
): ProcessingResponse {
  return create(ProcessingResponseSchema, {
    response: {
      case: direction === "request" ? "requestHeaders" : "responseHeaders",
      value: {
        response: {
          clearRouteCache: routed,
          ...(mutation && {
            headerMutation: {
              setHeaders: mutation.set.map((o) =>
                viaCreateHeader(o.header?.key ?? "", new TextDecoder().decode(o.header?.rawValue)),
              ),
              removeHeaders: mutation.remove,
            },
          }),
        },
      },
    },
    ...(dynamicMetadata && { dynamicMetadata }),
  });
}

function same(a: ProcessingResponse, b: ProcessingResponse): void {
  expect(isMessage(a, ProcessingResponseSchema)).toBe(true);
  expect(equals(ProcessingResponseSchema, a, b)).toBe(true);
  expect(Buffer.from(toBinary(ProcessingResponseSchema, a))).toEqual(
    Buffer.from(toBinary(ProcessingResponseSchema, b)),
  );
}

describe("reply literals", () => {
  it("setHeader equals the create() message, for ASCII, long and non-ASCII values", () => {
    for (const value of ["10.0.0.1:8000", "", "x".repeat(64), "y".repeat(65), "é😀"]) {
      const a = setHeader("x-gateway-destination-endpoint", value);
      const b = viaCreateHeader("x-gateway-destination-endpoint", value);
      expect(isMessage(a, HeaderValueOptionSchema)).toBe(true);
      expect(equals(HeaderValueOptionSchema, a, b)).toBe(true);
    }
  });

  it("headersReply equals the create() message with and without mutation, route flag and metadata", () => {
    const mutation = { set: [setHeader("x-a", "1"), setHeader("x-b", "ü")], remove: ["x-c"] };
    for (const direction of ["request", "response"] as const)
      for (const m of [undefined, mutation, { set: [], remove: [] }])
        for (const routed of [false, true])
          for (const md of [undefined, { "envoy.lb": { "x-gateway-destination-endpoint": "a,b" } }])
            same(headersReply(direction, m, routed, md), viaCreateHeaders(direction, m, routed, md));
  });

  it("streamedChunk equals the create() message", () => {
    for (const direction of ["request", "response"] as const)
      for (const endOfStream of [false, true])
        for (const body of [new Uint8Array(0), enc.encode("data: {}\n\n")]) {
          const b = create(ProcessingResponseSchema, {
            response: {
              case: direction === "request" ? "requestBody" : "responseBody",
              value: {
                response: {
                  bodyMutation: { mutation: { case: "streamedResponse", value: { body, endOfStream } } },
                },
              },
            },
          });
          same(streamedChunk(direction, body, endOfStream), b);
        }
  });
});
