import {
  create,
  type DescField,
  type DescMessage,
  type JsonValue,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { isWrapperDesc, StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { setHeader } from "../../../src/extproc/header-map.js";
import { headersReply, streamedChunk } from "../../../src/extproc/replies.js";
import { WIRE_MESSAGES } from "../../../src/extproc/wire/fields.js";
import { encodeProcessingResponse } from "../../../src/extproc/wire/grpc-frames.js";
import { handEncoded } from "../../../src/extproc/wire/reply-coverage.js";
import { HeaderValueOptionSchema, HeaderValueSchema } from "../../../src/gen/envoy/config/core/v3/base_pb.js";
import {
  BodyMutationSchema,
  BodyResponseSchema,
  CommonResponseSchema,
  HeaderMutationSchema,
  HeadersResponseSchema,
  type ProcessingResponse,
  ProcessingResponseSchema,
  StreamedBodyResponseSchema,
} from "../../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

/** The messages the hand encoder may enter, as generated from the protos. */
const SCHEMAS: DescMessage[] = [
  ProcessingResponseSchema,
  HeadersResponseSchema,
  BodyResponseSchema,
  CommonResponseSchema,
  HeaderMutationSchema,
  HeaderValueOptionSchema,
  HeaderValueSchema,
  BodyMutationSchema,
  StreamedBodyResponseSchema,
  StructSchema,
  ValueSchema,
];
const schemaOf = (typeName: string) => SCHEMAS.find((s) => s.typeName === typeName);

/** The message type a field holds (a message field, a map of messages), if any. */
function messageOf(f: DescField): DescMessage | undefined {
  if (f.fieldKind === "message") return f.message;
  if (
    (f.fieldKind === "list" && f.listKind === "message") ||
    (f.fieldKind === "map" && f.mapKind === "message")
  )
    return f.message;
  return undefined;
}

describe("the hand encoder's field table", () => {
  it("lists exactly the messages the encoder can enter, each generated from the protos", () => {
    expect(Object.keys(WIRE_MESSAGES).sort()).toEqual(SCHEMAS.map((s) => s.typeName).sort());
  });

  it("gives every field the encoder writes the number the descriptor gives it", () => {
    let checked = 0;
    for (const [typeName, wire] of Object.entries(WIRE_MESSAGES)) {
      const schema = schemaOf(typeName);
      for (const [name, number] of Object.entries(wire.hand)) {
        const field = schema?.fields.find((f) => f.localName === name);
        expect(field, `${typeName}.${name}`).toBeDefined();
        expect(field?.number, `${typeName}.${name}`).toBe(number);
        checked++;
      }
    }
    expect(checked).toBe(25);
  });

  it("accounts for every field of every message it enters: written by hand or left to toBinary", () => {
    for (const schema of SCHEMAS) {
      const wire = WIRE_MESSAGES[schema.typeName];
      const known = new Set([...Object.keys(wire?.hand ?? {}), ...(wire?.fallback ?? [])]);
      const unaccounted = schema.fields.map((f) => f.localName).filter((name) => !known.has(name));
      expect(unaccounted, `fields of ${schema.typeName} in neither list of fields.ts`).toEqual([]);
      for (const name of wire?.fallback ?? [])
        expect(schema.field[name], `${schema.typeName}.${name}`).toBeDefined();
    }
  });

  it("reaches through hand-written fields only messages the table lists", () => {
    for (const schema of SCHEMAS) {
      const wire = WIRE_MESSAGES[schema.typeName];
      for (const name of Object.keys(wire?.hand ?? {})) {
        const inner = messageOf(schema.field[name] as DescField);
        if (inner !== undefined)
          expect(WIRE_MESSAGES[inner.typeName], `${schema.typeName}.${name}`).toBeDefined();
      }
    }
  });
});

/** A value that sets `f` (not its default), in the shape the generated types hold it. */
function sample(f: DescField): unknown {
  switch (f.fieldKind) {
    case "scalar":
      return scalarSample(f.scalar);
    case "enum":
      return f.enum.values[1]?.number ?? 1;
    case "message":
      if (isWrapperDesc(f.message)) return scalarSample(f.message.fields[0]?.scalar ?? ScalarType.BOOL);
      return create(f.message);
    case "list":
      return [
        f.listKind === "scalar" ? scalarSample(f.scalar) : f.listKind === "enum" ? 1 : create(f.message),
      ];
    case "map":
      return {
        k: f.mapKind === "scalar" ? scalarSample(f.scalar) : f.mapKind === "enum" ? 1 : create(f.message),
      };
  }
}

function scalarSample(t: ScalarType): unknown {
  switch (t) {
    case ScalarType.STRING:
      return "s";
    case ScalarType.BYTES:
      return new Uint8Array([7]);
    case ScalarType.BOOL:
      return true;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 5n;
    default:
      return 5;
  }
}

/** Sets `f` on `m` (a oneof member through its oneof). */
function setField(m: Record<string, unknown>, f: DescField, value: unknown): void {
  if (f.oneof !== undefined) m[f.oneof.localName] = { case: f.localName, value };
  else m[f.localName] = value;
}

/** A reply the encoder covers, and in it the message of `typeName` (ext_proc and core messages). */
function replyHolding(typeName: string): [ProcessingResponse, Record<string, unknown>] {
  const headers = headersReply("request", { set: [setHeader("x-a", "1")], remove: ["x-b"] }, true, {
    a: "b",
  });
  const chunk = streamedChunk("request", new Uint8Array([1, 2]), true);
  if (headers.response.case !== "requestHeaders" || chunk.response.case !== "requestBody")
    throw new Error("shape");
  const common = headers.response.value.response;
  const body = chunk.response.value.response;
  const mutation = body?.bodyMutation?.mutation;
  const holders: Record<string, [ProcessingResponse, unknown]> = {
    "envoy.service.ext_proc.v3.ProcessingResponse": [headers, headers],
    "envoy.service.ext_proc.v3.HeadersResponse": [headers, headers.response.value],
    "envoy.service.ext_proc.v3.BodyResponse": [chunk, chunk.response.value],
    "envoy.service.ext_proc.v3.CommonResponse": [headers, common],
    "envoy.service.ext_proc.v3.HeaderMutation": [headers, common?.headerMutation],
    "envoy.config.core.v3.HeaderValueOption": [headers, common?.headerMutation?.setHeaders[0]],
    "envoy.config.core.v3.HeaderValue": [headers, common?.headerMutation?.setHeaders[0]?.header],
    "envoy.service.ext_proc.v3.BodyMutation": [chunk, body?.bodyMutation],
    "envoy.service.ext_proc.v3.StreamedBodyResponse": [
      chunk,
      mutation?.case === "streamedResponse" && mutation.value,
    ],
  };
  const [reply, target] = holders[typeName] ?? [];
  if (reply === undefined || typeof target !== "object" || target === null)
    throw new Error(`no holder for ${typeName}`);
  return [reply, target as Record<string, unknown>];
}

/** google.protobuf.Value's fallback kinds as the JSON the reply holds them in. */
const VALUE_SAMPLES: Record<string, JsonValue> = {
  nullValue: null,
  numberValue: 1,
  boolValue: true,
  listValue: ["a"],
};

describe("the hand encoder's fallback fields", () => {
  it("sends a reply that sets any field it does not write to toBinary, with the same bytes", () => {
    let checked = 0;
    for (const [typeName, wire] of Object.entries(WIRE_MESSAGES)) {
      for (const name of wire.fallback) {
        let reply: ProcessingResponse;
        if (typeName === "google.protobuf.Value") {
          reply = headersReply("request", undefined, true, { a: { b: VALUE_SAMPLES[name] as JsonValue } });
        } else {
          const [r, target] = replyHolding(typeName);
          const f = schemaOf(typeName)?.field[name] as DescField;
          setField(target, f, sample(f));
          reply = r;
        }
        expect(handEncoded(reply), `${typeName}.${name} set`).toBe(false);
        expect(Buffer.from(encodeProcessingResponse(reply))).toEqual(
          Buffer.from(toBinary(ProcessingResponseSchema, reply)),
        );
        checked++;
      }
    }
    expect(checked).toBe(12);
  });

  it("hand-encodes the same replies before the fallback field is set", () => {
    for (const typeName of Object.keys(WIRE_MESSAGES).filter((t) => !t.startsWith("google."))) {
      const [reply] = replyHolding(typeName);
      expect(handEncoded(reply), typeName).toBe(true);
    }
  });
});
