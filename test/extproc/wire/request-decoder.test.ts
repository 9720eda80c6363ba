import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decodeProcessingRequest, handDecodedRequest } from "../../../src/extproc/wire/request-decoder.js";
import { ProcessingRequestSchema } from "../../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

const raw = (s: string) => new TextEncoder().encode(s);
type Init = MessageInitShape<typeof ProcessingRequestSchema>;
const encode = (init: Init) => toBinary(ProcessingRequestSchema, create(ProcessingRequestSchema, init));

const envoyHeaders = [
  [":authority", "llm-gateway.example.com"],
  [":path", "/v1/chat/completions"],
  [":method", "POST"],
  ["content-type", "application/json"],
  ["x-request-id", "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d"],
  ["x-gateway-inference-objective", "interactive"],
  ["user-agent", "caf\u00e9 client"], // a non-ASCII raw_value is bytes: still by hand
].map(([key, v]) => ({ key: key!, rawValue: raw(v!) }));

/** The shapes Envoy sends on every request: decoded by hand, to exactly what fromBinary gives. */
const covered: [string, Init][] = [
  [
    "request headers, raw values",
    { request: { case: "requestHeaders", value: { headers: { headers: envoyHeaders } } } },
  ],
  [
    "request headers with end_of_stream, a value in `value`, an empty header",
    {
      request: {
        case: "requestHeaders",
        value: {
          headers: { headers: [{ key: ":method", value: "GET" }, { key: "x-empty" }] },
          endOfStream: true,
        },
      },
    },
  ],
  ["request headers, empty map", { request: { case: "requestHeaders", value: { headers: {} } } }],
  ["request headers, no map", { request: { case: "requestHeaders", value: {} } }],
  [
    "response headers",
    { request: { case: "responseHeaders", value: { headers: { headers: envoyHeaders } } } },
  ],
  [
    "request body, last chunk",
    { request: { case: "requestBody", value: { body: raw(`{"model":"m"}`), endOfStream: true } } },
  ],
  [
    "request body, 70 KB chunk",
    { request: { case: "requestBody", value: { body: new Uint8Array(70_000).fill(120) } } },
  ],
  ["request body, empty end", { request: { case: "requestBody", value: { endOfStream: true } } }],
  ["response body", { request: { case: "responseBody", value: { body: raw("data: {}\n\n") } } }],
  [
    "observability mode",
    { request: { case: "requestBody", value: { body: raw("x") } }, observabilityMode: true },
  ],
  ["no request", {}],
];

/** Shapes left to fromBinary (it decodes them; the hand decoder declines). */
const declined: [string, Uint8Array][] = [
  [
    "metadata_context",
    encode({
      request: { case: "requestHeaders", value: {} },
      metadataContext: { filterMetadata: { "envoy.lb.subset_hint": {} } },
    }),
  ],
  ["attributes", encode({ request: { case: "requestBody", value: {} }, attributes: { a: {} } })],
  [
    "request trailers",
    encode({ request: { case: "requestTrailers", value: { trailers: { headers: [] } } } }),
  ],
  [
    "a non-ASCII header key",
    encode({ request: { case: "requestHeaders", value: { headers: { headers: [{ key: "caf\u00e9" }] } } } }),
  ],
  [
    "an unknown field",
    Uint8Array.from([...encode({ request: { case: "requestBody", value: { body: raw("x") } } }), 0x58, 0x01]),
  ],
  [
    "the oneof given twice (merged by protobuf)",
    Uint8Array.from([
      ...encode({
        request: { case: "requestHeaders", value: { headers: { headers: envoyHeaders.slice(0, 1) } } },
      }),
      ...encode({
        request: { case: "requestHeaders", value: { headers: { headers: envoyHeaders.slice(1, 2) } } },
      }),
    ]),
  ],
];

describe("decodeProcessingRequest", () => {
  it.each(covered)("decodes %s by hand, as fromBinary does", (_, init) => {
    const bytes = encode(init);
    const hand = handDecodedRequest(bytes);
    expect(hand).toBeDefined();
    expect(hand).toStrictEqual(fromBinary(ProcessingRequestSchema, bytes));
    expect(decodeProcessingRequest(bytes)).toStrictEqual(hand);
  });

  it("gives byte fields as views of the input, as fromBinary does (no copy per message)", () => {
    const bytes = encode(covered[5]![1]);
    const r = decodeProcessingRequest(bytes);
    expect(r.request.case === "requestBody" && r.request.value.body.buffer).toBe(bytes.buffer);
  });

  it.each(declined)("leaves %s to fromBinary", (_, bytes) => {
    expect(handDecodedRequest(bytes)).toBeUndefined();
    expect(decodeProcessingRequest(bytes)).toStrictEqual(fromBinary(ProcessingRequestSchema, bytes));
  });

  it("refuses what fromBinary refuses: a truncated message, a field number 0", () => {
    const whole = encode(covered[0]![1]);
    for (const bytes of [whole.subarray(0, whole.length - 3), Uint8Array.from([0x02, 0x00])]) {
      expect(handDecodedRequest(bytes)).toBeUndefined();
      expect(() => fromBinary(ProcessingRequestSchema, bytes)).toThrow();
      expect(() => decodeProcessingRequest(bytes)).toThrow();
    }
  });
});
