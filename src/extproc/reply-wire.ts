/**
 * The protobuf encoding of the replies the picker sends on every request, written by hand straight
 * into the output buffer: header replies (with their header mutation, clear_route_cache and the
 * pick's dynamic metadata) and streamed body chunks. `toBinary` builds each nested message in its own
 * buffer and each string in a fresh TextEncoder buffer: ~20 ArrayBuffers per pick, which V8 then
 * frees one by one in its young-generation GC (the `sweep_array_buffers` phase: up to 2.4 ms of
 * a 3.8 ms pause at 1,000 requests/s). Anything outside the shapes below is left to `toBinary`.
 * A test checks this encoding against `toBinary`, byte for byte.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { HeaderValue, HeaderValueOption } from "../gen/envoy/config/core/v3/base_pb.js";
import type {
  BodyMutation,
  CommonResponse,
  HeaderMutation,
  ProcessingResponse,
} from "../gen/envoy/service/ext_proc/v3/external_processor_pb.js";

const LEN = 2;
const encoder = new TextEncoder();

/** ProcessingResponse's oneof `response`: field number by case, for the cases encoded here. */
const RESPONSE_FIELD: Readonly<Record<string, number>> = {
  requestHeaders: 1,
  responseHeaders: 2,
  requestBody: 3,
  responseBody: 4,
};

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Bytes of `s` in UTF-8 as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 2; // two units, four bytes
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/** A length-delimited field of `len` bytes (field numbers here are all < 16: a one-byte tag). */
function lenField(len: number): number {
  return 1 + varintSize(len) + len;
}

function writeTag(out: Uint8Array, at: number, field: number, wireType: number, len: number): number {
  out[at++] = (field << 3) | wireType;
  return writeVarint(out, at, len);
}

function writeBytes(out: Uint8Array, at: number, field: number, b: Uint8Array): number {
  at = writeTag(out, at, field, LEN, b.length);
  out.set(b, at);
  return at + b.length;
}

// Which messages are covered: every field they set must be one written here.

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
function commonOf(r: ProcessingResponse): CommonResponse | undefined {
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

/**
 * Lengths computed while sizing, in the order the writer needs them: each nested message's size
 * (a slot reserved before its fields are sized) and each string's UTF-8 length. The writer walks the
 * messages in the same order and reads them back, so nothing is measured twice.
 */
const lens: number[] = [];
/** Entries of `lens` in use (the array is kept, not emptied, between batches). */
let used = 0;
let next = 0;

function reserve(): number {
  lens[used] = 0;
  return used++;
}

function sizedString(s: string): number {
  const len = utf8Length(s);
  lens[used++] = len;
  return 1 + varintSize(len) + len;
}

/** Starts sizing a batch of replies (`handEncodedSize` for each, then `startWriting`). */
export function startSizing(): void {
  used = 0;
}

/** Starts writing the batch just sized, in the same order. */
export function startWriting(): void {
  next = 0;
}

// Sizes (bytes of a message's fields, without its own tag and length); they record into `lens`.

function headerValueSize(h: HeaderValue): number {
  let n = 0;
  if (h.key !== "") n += sizedString(h.key);
  if (h.value !== "") n += sizedString(h.value);
  if (h.rawValue.length > 0) n += lenField(h.rawValue.length);
  return n;
}

function optionSize(o: HeaderValueOption): number {
  let n = 0;
  if (o.header !== undefined) {
    const slot = reserve();
    const size = headerValueSize(o.header);
    lens[slot] = size;
    n += lenField(size);
  }
  if (o.appendAction !== 0) n += 1 + varintSize(o.appendAction);
  if (o.keepEmptyValue) n += 2;
  return n;
}

function mutationSize(m: HeaderMutation): number {
  let n = 0;
  for (const o of m.setHeaders) {
    const slot = reserve();
    const size = optionSize(o);
    lens[slot] = size;
    n += lenField(size);
  }
  for (const name of m.removeHeaders) n += sizedString(name);
  return n;
}

function streamedSize(body: Uint8Array, endOfStream: boolean): number {
  return (body.length > 0 ? lenField(body.length) : 0) + (endOfStream ? 2 : 0);
}

function bodyMutationSize(b: BodyMutation): number {
  const m = b.mutation;
  return m.case === "streamedResponse" ? lenField(streamedSize(m.value.body, m.value.endOfStream)) : 0;
}

function commonSize(c: CommonResponse): number {
  let n = c.status !== 0 ? 1 + varintSize(c.status) : 0;
  if (c.headerMutation !== undefined) {
    const slot = reserve();
    const size = mutationSize(c.headerMutation);
    lens[slot] = size;
    n += lenField(size);
  }
  if (c.bodyMutation !== undefined) n += lenField(bodyMutationSize(c.bodyMutation));
  if (c.clearRouteCache) n += 2;
  return n;
}

/** A google.protobuf.Value holding a string or a Struct (all `plainStruct` admits). */
function jsonValueSize(v: JsonValue): number {
  if (typeof v === "string") return sizedString(v);
  const slot = reserve();
  const size = structSize(v as JsonObject);
  lens[slot] = size;
  return lenField(size);
}

function structSize(o: JsonObject): number {
  let n = 0;
  for (const key in o) {
    const entrySlot = reserve();
    const keySize = sizedString(key);
    const valueSlot = reserve();
    const valueSize = jsonValueSize(o[key] as JsonValue);
    lens[valueSlot] = valueSize;
    const entry = keySize + lenField(valueSize);
    lens[entrySlot] = entry;
    n += lenField(entry);
  }
  return n;
}

/** Encoded size of a `handEncoded` reply (after `startSizing`; write the batch in the same order). */
export function handEncodedSize(r: ProcessingResponse): number {
  const innerSlot = reserve();
  const common = commonOf(r);
  let inner = 0;
  if (common !== undefined) {
    const slot = reserve();
    const size = commonSize(common);
    lens[slot] = size;
    inner = lenField(size);
  }
  lens[innerSlot] = inner;
  let n = lenField(inner);
  if (r.dynamicMetadata !== undefined) {
    const slot = reserve();
    const size = structSize(r.dynamicMetadata);
    lens[slot] = size;
    n += lenField(size);
  }
  return n;
}

// Writers, field by field in field-number order (as toBinary writes them), reading `lens` in order.

function take(): number {
  return lens[next++] ?? 0;
}

function writeString(out: Uint8Array, at: number, field: number, s: string): number {
  const len = take();
  at = writeTag(out, at, field, LEN, len);
  if (len === s.length) {
    for (let i = 0; i < len; i++) out[at + i] = s.charCodeAt(i);
  } else encoder.encodeInto(s, out.subarray(at, at + len));
  return at + len;
}

function writeHeaderValue(out: Uint8Array, at: number, h: HeaderValue): number {
  if (h.key !== "") at = writeString(out, at, 1, h.key);
  if (h.value !== "") at = writeString(out, at, 2, h.value);
  if (h.rawValue.length > 0) at = writeBytes(out, at, 3, h.rawValue);
  return at;
}

function writeOption(out: Uint8Array, at: number, o: HeaderValueOption): number {
  if (o.header !== undefined) {
    at = writeTag(out, at, 1, LEN, take());
    at = writeHeaderValue(out, at, o.header);
  }
  if (o.appendAction !== 0) {
    out[at++] = 3 << 3;
    at = writeVarint(out, at, o.appendAction);
  }
  if (o.keepEmptyValue) {
    out[at++] = 4 << 3;
    out[at++] = 1;
  }
  return at;
}

function writeMutation(out: Uint8Array, at: number, m: HeaderMutation): number {
  for (const o of m.setHeaders) {
    at = writeTag(out, at, 1, LEN, take());
    at = writeOption(out, at, o);
  }
  for (const name of m.removeHeaders) at = writeString(out, at, 2, name);
  return at;
}

function writeBodyMutation(out: Uint8Array, at: number, b: BodyMutation): number {
  const m = b.mutation;
  if (m.case !== "streamedResponse") return at;
  const { body, endOfStream } = m.value;
  at = writeTag(out, at, 3, LEN, streamedSize(body, endOfStream));
  if (body.length > 0) at = writeBytes(out, at, 1, body);
  if (endOfStream) {
    out[at++] = 2 << 3;
    out[at++] = 1;
  }
  return at;
}

function writeCommon(out: Uint8Array, at: number, c: CommonResponse): number {
  if (c.status !== 0) {
    out[at++] = 1 << 3;
    at = writeVarint(out, at, c.status);
  }
  if (c.headerMutation !== undefined) {
    at = writeTag(out, at, 2, LEN, take());
    at = writeMutation(out, at, c.headerMutation);
  }
  if (c.bodyMutation !== undefined) {
    at = writeTag(out, at, 3, LEN, bodyMutationSize(c.bodyMutation));
    at = writeBodyMutation(out, at, c.bodyMutation);
  }
  if (c.clearRouteCache) {
    out[at++] = 5 << 3;
    out[at++] = 1;
  }
  return at;
}

function writeStruct(out: Uint8Array, at: number, o: JsonObject): number {
  for (const key in o) {
    const v = o[key] as JsonValue;
    at = writeTag(out, at, 1, LEN, take());
    at = writeString(out, at, 1, key);
    at = writeTag(out, at, 2, LEN, take());
    if (typeof v === "string") at = writeString(out, at, 3, v);
    else {
      at = writeTag(out, at, 5, LEN, take());
      at = writeStruct(out, at, v as JsonObject);
    }
  }
  return at;
}

/** Writes a `handEncoded` reply at `at` (after `startWriting`, in sizing order); returns the offset after it. */
export function writeHandEncoded(out: Uint8Array, at: number, r: ProcessingResponse): number {
  const field = RESPONSE_FIELD[r.response.case as string] ?? 0;
  at = writeTag(out, at, field, LEN, take());
  const common = commonOf(r);
  if (common !== undefined) {
    at = writeTag(out, at, 1, LEN, take());
    at = writeCommon(out, at, common);
  }
  if (r.dynamicMetadata !== undefined) {
    at = writeTag(out, at, 8, LEN, take());
    at = writeStruct(out, at, r.dynamicMetadata);
  }
  return at;
}
