/**
 * Every protobuf field number the hand encoder (reply-encoder.ts) writes, in one place, and for each
 * message it enters the fields it leaves to `toBinary`: a reply that sets one of those is encoded by
 * `toBinary` instead. test/extproc/wire/fields.test.ts checks this table against the generated
 * descriptors: a number that differs, or a field of the proto that is in neither list, fails it.
 */

/** ProcessingResponse: the oneof `response` cases written by hand, and dynamic_metadata. */
export const ProcessingResponseField = {
  requestHeaders: 1,
  responseHeaders: 2,
  requestBody: 3,
  responseBody: 4,
  dynamicMetadata: 8,
} as const;

/** HeadersResponse and BodyResponse: their one field. */
export const HeadersResponseField = { response: 1 } as const;
export const BodyResponseField = { response: 1 } as const;

export const CommonResponseField = {
  status: 1,
  headerMutation: 2,
  bodyMutation: 3,
  clearRouteCache: 5,
} as const;

export const HeaderMutationField = { setHeaders: 1, removeHeaders: 2 } as const;

export const HeaderValueOptionField = { header: 1, appendAction: 3, keepEmptyValue: 4 } as const;

export const HeaderValueField = { key: 1, value: 2, rawValue: 3 } as const;

/** BodyMutation's oneof `mutation`: only streamed_response (or no case) is written by hand. */
export const BodyMutationField = { streamedResponse: 3 } as const;

export const StreamedBodyResponseField = { body: 1, endOfStream: 2 } as const;

/** google.protobuf.Struct: `map<string, Value> fields = 1`. */
export const StructField = { fields: 1 } as const;

/** A map entry on the wire (fixed by the protobuf encoding of maps, not by a descriptor). */
export const MapEntryField = { key: 1, value: 2 } as const;

/** google.protobuf.Value's oneof `kind`: strings and nested Structs are written by hand. */
export const ValueField = { stringValue: 3, structValue: 5 } as const;

/** One message the hand encoder enters: fields it writes, and fields that send the reply to toBinary. */
export interface WireMessage {
  hand: Readonly<Record<string, number>>;
  fallback: readonly string[];
}

/** By protobuf type name, every message the hand encoder enters (field names are the generated localNames). */
export const WIRE_MESSAGES: Readonly<Record<string, WireMessage>> = {
  "envoy.service.ext_proc.v3.ProcessingResponse": {
    hand: ProcessingResponseField,
    fallback: ["requestTrailers", "responseTrailers", "immediateResponse", "overrideMessageTimeout"],
  },
  "envoy.service.ext_proc.v3.HeadersResponse": { hand: HeadersResponseField, fallback: [] },
  "envoy.service.ext_proc.v3.BodyResponse": { hand: BodyResponseField, fallback: [] },
  "envoy.service.ext_proc.v3.CommonResponse": { hand: CommonResponseField, fallback: ["trailers"] },
  "envoy.service.ext_proc.v3.HeaderMutation": { hand: HeaderMutationField, fallback: [] },
  "envoy.config.core.v3.HeaderValueOption": { hand: HeaderValueOptionField, fallback: ["append"] },
  "envoy.config.core.v3.HeaderValue": { hand: HeaderValueField, fallback: [] },
  "envoy.service.ext_proc.v3.BodyMutation": { hand: BodyMutationField, fallback: ["body", "clearBody"] },
  "envoy.service.ext_proc.v3.StreamedBodyResponse": { hand: StreamedBodyResponseField, fallback: [] },
  "google.protobuf.Struct": { hand: StructField, fallback: [] },
  "google.protobuf.Value": {
    hand: ValueField,
    fallback: ["nullValue", "numberValue", "boolValue", "listValue"],
  },
};
