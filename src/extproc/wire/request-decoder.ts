/**
 * The ProcessingRequest messages Envoy sends on every request, decoded by hand: request and response
 * headers (a HeaderMap of key + raw_value, end_of_stream) and body chunks (body, end_of_stream).
 * `fromBinary` looks up each field's descriptor and builds every message through `create`, which gives
 * each bytes field (every header's raw_value, the body) a fresh empty Uint8Array, an ArrayBuffer of its
 * own for the young-generation GC, before the field is read; this reads the few fields these shapes
 * have in one pass and allocates only what it returns (2-3x faster on Envoy's 16-header request
 * headers + a 4 KiB body, ~3 µs per exchange saved, bench:extproc -- session). Anything
 * else (metadata_context, attributes, trailers, an unknown field, a message field given twice, a
 * string that is not ASCII, a varint over 5 bytes, a truncated field) is left to `fromBinary`, which
 * decodes or refuses it as before. Either way the message is the same (tested against `fromBinary`),
 * byte fields included: views of `bytes`, as `fromBinary` gives.
 */
import { fromBinary } from "@bufbuild/protobuf";
import type { HeaderMap, HeaderValue } from "../../gen/envoy/config/core/v3/base_pb.js";
import {
  type HttpBody,
  type HttpHeaders,
  type ProcessingRequest,
  ProcessingRequestSchema,
} from "../../gen/envoy/service/ext_proc/v3/external_processor_pb.js";

const VARINT = 0;
const LEN = 2;
/** Longest ASCII string read with String.fromCharCode (longer ones go through TextDecoder). */
const SHORT_STRING = 1024;
const ascii = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Read position in the message being decoded (one decode at a time: it never yields). */
let pos = 0;

/** A varint of at most 5 bytes (tags, lengths, and bools as encoders write them), or -1. */
function varint(buf: Uint8Array, end: number): number {
  if (pos < end && buf[pos]! < 0x80) return buf[pos++]!;
  let n = 0;
  for (let shift = 0; shift < 35 && pos < end; shift += 7) {
    const b = buf[pos++]!;
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return n;
  }
  return -1;
}

/** The end of a length-delimited field whose length is at `pos` (within `end`), or -1. */
function lenEnd(buf: Uint8Array, end: number): number {
  const len = varint(buf, end);
  return len < 0 || pos + len > end ? -1 : pos + len;
}

/** An ASCII string field's value ending at `stop`, or undefined (anything else is fromBinary's). */
function asciiString(buf: Uint8Array, stop: number): string | undefined {
  const start = pos;
  const len = stop - start;
  if (len > SHORT_STRING) {
    for (let i = start; i < stop; i++) if (buf[i]! > 0x7f) return undefined;
    pos = stop;
    return ascii.decode(buf.subarray(start, stop));
  }
  const codes: number[] = new Array(len);
  for (let i = 0; i < len; i++) {
    const c = buf[start + i]!;
    if (c > 0x7f) return undefined;
    codes[i] = c;
  }
  pos = stop;
  return String.fromCharCode.apply(null, codes);
}

function headerValue(buf: Uint8Array, stop: number): HeaderValue | undefined {
  let key = "";
  let value = "";
  // Allocated only when absent: an empty Uint8Array is an ArrayBuffer of its own for the GC to free.
  let rawValue: Uint8Array | undefined;
  while (pos < stop) {
    const tag = varint(buf, stop);
    if (tag % 8 !== LEN) return undefined;
    const end = lenEnd(buf, stop);
    if (end < 0) return undefined;
    const field = Math.floor(tag / 8);
    if (field === 3) {
      rawValue = buf.subarray(pos, end);
      pos = end;
    } else if (field === 1 || field === 2) {
      const s = asciiString(buf, end);
      if (s === undefined) return undefined;
      if (field === 1) key = s;
      else value = s;
    } else return undefined;
  }
  return {
    $typeName: "envoy.config.core.v3.HeaderValue",
    key,
    value,
    rawValue: rawValue ?? new Uint8Array(0),
  };
}

function headerMap(buf: Uint8Array, stop: number): HeaderMap | undefined {
  const map: HeaderMap = { $typeName: "envoy.config.core.v3.HeaderMap", headers: [] };
  while (pos < stop) {
    if (varint(buf, stop) !== ((1 << 3) | LEN)) return undefined;
    const end = lenEnd(buf, stop);
    const h = end < 0 ? undefined : headerValue(buf, end);
    if (h === undefined) return undefined;
    map.headers.push(h);
  }
  return map;
}

function httpHeaders(buf: Uint8Array, stop: number): HttpHeaders | undefined {
  const out: HttpHeaders = { $typeName: "envoy.service.ext_proc.v3.HttpHeaders", endOfStream: false };
  while (pos < stop) {
    const tag = varint(buf, stop);
    if (tag === ((3 << 3) | VARINT)) {
      const v = varint(buf, stop);
      if (v < 0) return undefined;
      out.endOfStream = v !== 0;
    } else if (tag === ((1 << 3) | LEN) && out.headers === undefined) {
      const end = lenEnd(buf, stop);
      const map = end < 0 ? undefined : headerMap(buf, end);
      if (map === undefined) return undefined;
      out.headers = map;
    } else return undefined;
  }
  return out;
}

function httpBody(buf: Uint8Array, stop: number): HttpBody | undefined {
  let body: Uint8Array | undefined;
  let endOfStream = false;
  while (pos < stop) {
    const tag = varint(buf, stop);
    if (tag === ((2 << 3) | VARINT)) {
      const v = varint(buf, stop);
      if (v < 0) return undefined;
      endOfStream = v !== 0;
    } else if (tag === ((1 << 3) | LEN)) {
      const end = lenEnd(buf, stop);
      if (end < 0) return undefined;
      body = buf.subarray(pos, end);
      pos = end;
    } else return undefined;
  }
  return { $typeName: "envoy.service.ext_proc.v3.HttpBody", body: body ?? new Uint8Array(0), endOfStream };
}

/** `bytes` decoded by hand when they are one of the shapes above; undefined otherwise. */
export function handDecodedRequest(bytes: Uint8Array): ProcessingRequest | undefined {
  pos = 0;
  const end = bytes.length;
  const out: ProcessingRequest = {
    $typeName: "envoy.service.ext_proc.v3.ProcessingRequest",
    request: { case: undefined },
    attributes: {},
    observabilityMode: false,
  };
  while (pos < end) {
    const tag = varint(bytes, end);
    if (tag === ((10 << 3) | VARINT)) {
      const v = varint(bytes, end);
      if (v < 0) return undefined;
      out.observabilityMode = v !== 0;
      continue;
    }
    // One oneof case, once: a second (merged, or replacing the first) is fromBinary's to resolve.
    if (tag % 8 !== LEN || out.request.case !== undefined) return undefined;
    const stop = lenEnd(bytes, end);
    if (stop < 0) return undefined;
    const field = Math.floor(tag / 8);
    if (field === 2 || field === 3) {
      const value = httpHeaders(bytes, stop);
      if (value === undefined) return undefined;
      out.request = field === 2 ? { case: "requestHeaders", value } : { case: "responseHeaders", value };
    } else if (field === 4 || field === 5) {
      const value = httpBody(bytes, stop);
      if (value === undefined) return undefined;
      out.request = field === 4 ? { case: "requestBody", value } : { case: "responseBody", value };
    } else return undefined;
  }
  return out;
}

/** Decodes a ProcessingRequest: by hand for the per-request shapes, by `fromBinary` for the rest. */
export function decodeProcessingRequest(bytes: Uint8Array): ProcessingRequest {
  return handDecodedRequest(bytes) ?? fromBinary(ProcessingRequestSchema, bytes);
}
