/**
 * Which replies the hand encoder (reply-encoder.ts) covers: every field a covered reply sets is one it
 * writes (fields.ts lists the others, and a test sets each of them and expects the reply to be left to
 * `toBinary`). Anything else is encoded by `toBinary`.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { HeaderValue, HeaderValueOption } from "../../gen/envoy/config/core/v3/base_pb.js";
import type {
  BodyMutation,
  CommonResponse,
  HeaderMutation,
  ProcessingResponse,
} from "../../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { ProcessingResponseField } from "./fields.js";

/** ProcessingResponse's oneof `response`: field number by case, for the cases encoded here. */
export const RESPONSE_FIELD: Readonly<Record<string, number>> = {
  requestHeaders: ProcessingResponseField.requestHeaders,
  responseHeaders: ProcessingResponseField.responseHeaders,
  requestBody: ProcessingResponseField.requestBody,
  responseBody: ProcessingResponseField.responseBody,
};

const isEnum = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0x7fffffff;

function plainStruct(o: JsonObject, depth: number): boolean {
  if (depth > 8 || Object.getPrototypeOf(o) !== Object.prototype) return false;
  for (const key in o) {
    if (!Object.hasOwn(o, key)) return false;
    const v = o[key];
    if (typeof v === "string") continue;
    if (typeof v !== "object" || v === null || Array.isArray(v) || !plainStruct(v, depth + 1)) return false;
  }
  return true;
}

function coveredValue(h: HeaderValue): boolean {
  return h.$unknown === undefined;
}

function coveredOption(o: HeaderValueOption): boolean {
  return (
    o.$unknown === undefined &&
    o.append === undefined &&
    isEnum(o.appendAction) &&
    (o.header === undefined || coveredValue(o.header))
  );
}

function coveredMutation(m: HeaderMutation): boolean {
  return m.$unknown === undefined && m.setHeaders.every(coveredOption);
}

function coveredBodyMutation(b: BodyMutation): boolean {
  if (b.$unknown !== undefined) return false;
  const m = b.mutation;
  return m.case === "streamedResponse" ? m.value.$unknown === undefined : m.case === undefined;
}

function coveredCommon(c: CommonResponse): boolean {
  return (
    c.$unknown === undefined &&
    isEnum(c.status) &&
    c.trailers === undefined &&
    (c.headerMutation === undefined || coveredMutation(c.headerMutation)) &&
    (c.bodyMutation === undefined || coveredBodyMutation(c.bodyMutation))
  );
}

/** True when `r` is one of the shapes this file encodes. */
export function handEncoded(r: ProcessingResponse): boolean {
  const c = r.response;
  if (c.case === undefined || RESPONSE_FIELD[c.case] === undefined) return false;
  if (r.$unknown !== undefined || r.overrideMessageTimeout !== undefined) return false;
  if (r.dynamicMetadata !== undefined && !plainStruct(r.dynamicMetadata, 0)) return false;
  if (c.value.$unknown !== undefined) return false;
  const common = commonOf(r);
  return common === undefined || coveredCommon(common);
}

/** The CommonResponse of a headers or body reply. */
export function commonOf(r: ProcessingResponse): CommonResponse | undefined {
  const c = r.response;
  switch (c.case) {
    case "requestHeaders":
    case "responseHeaders":
    case "requestBody":
    case "responseBody":
      return c.value.response;
    default:
      return undefined;
  }
}
