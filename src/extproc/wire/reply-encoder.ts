/**
 * The protobuf encoding of the replies the picker sends on every request, written by hand straight
 * into the output buffer: header replies (with their header mutation, clear_route_cache and the
 * pick's dynamic metadata) and streamed body chunks. `toBinary` builds each nested message in its own
 * buffer and each string in a fresh TextEncoder buffer: ~20 ArrayBuffers per pick, which V8 then
 * frees one by one in its young-generation GC (the `sweep_array_buffers` phase: up to 2.4 ms of
 * a 3.8 ms pause at 1,000 requests/s). Anything outside the shapes below is left to `toBinary`.
 * Which replies it covers: reply-coverage.ts; the wire primitives: protobuf-writer.ts. Field numbers
 * come from fields.ts (checked against the descriptors); a test checks this encoding
 * against `toBinary`, byte for byte.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { HeaderValue, HeaderValueOption } from "../../gen/envoy/config/core/v3/base_pb.js";
import type {
  BodyMutation,
  CommonResponse,
  HeaderMutation,
  ProcessingResponse,
} from "../../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import {
  BodyMutationField,
  BodyResponseField,
  CommonResponseField,
  HeaderMutationField,
  HeadersResponseField,
  HeaderValueField,
  HeaderValueOptionField,
  MapEntryField,
  ProcessingResponseField,
  StreamedBodyResponseField,
  StructField,
  ValueField,
} from "./fields.js";
import {
  lenField,
  utf8Length,
  varintField,
  writeBytes,
  writeTag,
  writeVarintField,
} from "./protobuf-writer.js";
import { commonOf, RESPONSE_FIELD } from "./reply-coverage.js";

const utf8 = new TextEncoder();

function streamedSize(body: Uint8Array, endOfStream: boolean): number {
  return (body.length > 0 ? lenField(body.length) : 0) + (endOfStream ? 2 : 0);
}

function bodyMutationSize(b: BodyMutation): number {
  const m = b.mutation;
  return m.case === "streamedResponse" ? lenField(streamedSize(m.value.body, m.value.endOfStream)) : 0;
}

function writeBodyMutation(out: Uint8Array, at: number, b: BodyMutation): number {
  const m = b.mutation;
  if (m.case !== "streamedResponse") return at;
  const { body, endOfStream } = m.value;
  at = writeTag(out, at, BodyMutationField.streamedResponse, streamedSize(body, endOfStream));
  if (body.length > 0) at = writeBytes(out, at, StreamedBodyResponseField.body, body);
  if (endOfStream) at = writeVarintField(out, at, StreamedBodyResponseField.endOfStream, 1);
  return at;
}

/**
 * Sizes, then writes, a batch of `handEncoded` replies. Sizing records each nested message's size
 * (a slot reserved before its fields are sized) and each string's UTF-8 length; writing walks the
 * messages in the same order and reads them back, so nothing is measured twice. That record belongs
 * to this instance: one batch at a time per encoder (grpc-frames.ts keeps one per call in flight).
 *
 * @example
 * enc.reset(); const n = enc.size(r); enc.write(out, 0, r); // writes n bytes
 */
export class ReplyEncoder {
  /** Lengths recorded while sizing, in the order the writer reads them (kept between batches). */
  #lens: number[] = [];
  /** Entries of `#lens` in use by this batch. */
  #used = 0;
  /** Next entry the writer reads. */
  #next = 0;

  /** Starts a batch: `size` each reply, then `write` them in the same order. */
  reset(): void {
    this.#used = 0;
    this.#next = 0;
  }

  /** Encoded size in bytes of a `handEncoded` reply (recorded for `write`). */
  size(r: ProcessingResponse): number {
    const innerSlot = this.#reserve();
    const common = commonOf(r);
    let inner = 0;
    if (common !== undefined) {
      const slot = this.#reserve();
      const size = this.#commonSize(common);
      this.#lens[slot] = size;
      inner = lenField(size);
    }
    this.#lens[innerSlot] = inner;
    let n = lenField(inner);
    if (r.dynamicMetadata !== undefined) {
      const slot = this.#reserve();
      const size = this.#structSize(r.dynamicMetadata);
      this.#lens[slot] = size;
      n += lenField(size);
    }
    return n;
  }

  /** Writes a reply sized by `size` (in sizing order) at `at`; returns the offset after it. */
  write(out: Uint8Array, at: number, r: ProcessingResponse): number {
    const field = RESPONSE_FIELD[r.response.case as string] ?? 0;
    at = writeTag(out, at, field, this.#take());
    const common = commonOf(r);
    if (common !== undefined) {
      const c = r.response.case;
      const inner =
        c === "requestHeaders" || c === "responseHeaders"
          ? HeadersResponseField.response
          : BodyResponseField.response;
      at = writeTag(out, at, inner, this.#take());
      at = this.#writeCommon(out, at, common);
    }
    if (r.dynamicMetadata !== undefined) {
      at = writeTag(out, at, ProcessingResponseField.dynamicMetadata, this.#take());
      at = this.#writeStruct(out, at, r.dynamicMetadata);
    }
    return at;
  }

  #reserve(): number {
    this.#lens[this.#used] = 0;
    return this.#used++;
  }

  #take(): number {
    return this.#lens[this.#next++] ?? 0;
  }

  #sizedString(s: string): number {
    const len = utf8Length(s);
    this.#lens[this.#used++] = len;
    return lenField(len);
  }

  // Sizes: bytes of a message's fields, without its own tag and length.

  #headerValueSize(h: HeaderValue): number {
    let n = 0;
    if (h.key !== "") n += this.#sizedString(h.key);
    if (h.value !== "") n += this.#sizedString(h.value);
    if (h.rawValue.length > 0) n += lenField(h.rawValue.length);
    return n;
  }

  #optionSize(o: HeaderValueOption): number {
    let n = 0;
    if (o.header !== undefined) {
      const slot = this.#reserve();
      const size = this.#headerValueSize(o.header);
      this.#lens[slot] = size;
      n += lenField(size);
    }
    if (o.appendAction !== 0) n += varintField(o.appendAction);
    if (o.keepEmptyValue) n += 2;
    return n;
  }

  #mutationSize(m: HeaderMutation): number {
    let n = 0;
    for (const o of m.setHeaders) {
      const slot = this.#reserve();
      const size = this.#optionSize(o);
      this.#lens[slot] = size;
      n += lenField(size);
    }
    for (const name of m.removeHeaders) n += this.#sizedString(name);
    return n;
  }

  #commonSize(c: CommonResponse): number {
    let n = c.status !== 0 ? varintField(c.status) : 0;
    if (c.headerMutation !== undefined) {
      const slot = this.#reserve();
      const size = this.#mutationSize(c.headerMutation);
      this.#lens[slot] = size;
      n += lenField(size);
    }
    if (c.bodyMutation !== undefined) n += lenField(bodyMutationSize(c.bodyMutation));
    if (c.clearRouteCache) n += 2;
    return n;
  }

  /** A google.protobuf.Value holding a string or a Struct (all `plainStruct` admits). */
  #jsonValueSize(v: JsonValue): number {
    if (typeof v === "string") return this.#sizedString(v);
    const slot = this.#reserve();
    const size = this.#structSize(v as JsonObject);
    this.#lens[slot] = size;
    return lenField(size);
  }

  #structSize(o: JsonObject): number {
    let n = 0;
    for (const key in o) {
      const entrySlot = this.#reserve();
      const keySize = this.#sizedString(key);
      const valueSlot = this.#reserve();
      const valueSize = this.#jsonValueSize(o[key] as JsonValue);
      this.#lens[valueSlot] = valueSize;
      const entry = keySize + lenField(valueSize);
      this.#lens[entrySlot] = entry;
      n += lenField(entry);
    }
    return n;
  }

  // Writers, field by field in field-number order (as toBinary writes them).

  #writeString(out: Uint8Array, at: number, field: number, s: string): number {
    const len = this.#take();
    at = writeTag(out, at, field, len);
    if (len === s.length) {
      for (let i = 0; i < len; i++) out[at + i] = s.charCodeAt(i);
    } else utf8.encodeInto(s, out.subarray(at, at + len));
    return at + len;
  }

  #writeHeaderValue(out: Uint8Array, at: number, h: HeaderValue): number {
    if (h.key !== "") at = this.#writeString(out, at, HeaderValueField.key, h.key);
    if (h.value !== "") at = this.#writeString(out, at, HeaderValueField.value, h.value);
    if (h.rawValue.length > 0) at = writeBytes(out, at, HeaderValueField.rawValue, h.rawValue);
    return at;
  }

  #writeOption(out: Uint8Array, at: number, o: HeaderValueOption): number {
    if (o.header !== undefined) {
      at = writeTag(out, at, HeaderValueOptionField.header, this.#take());
      at = this.#writeHeaderValue(out, at, o.header);
    }
    if (o.appendAction !== 0)
      at = writeVarintField(out, at, HeaderValueOptionField.appendAction, o.appendAction);
    if (o.keepEmptyValue) at = writeVarintField(out, at, HeaderValueOptionField.keepEmptyValue, 1);
    return at;
  }

  #writeMutation(out: Uint8Array, at: number, m: HeaderMutation): number {
    for (const o of m.setHeaders) {
      at = writeTag(out, at, HeaderMutationField.setHeaders, this.#take());
      at = this.#writeOption(out, at, o);
    }
    for (const name of m.removeHeaders)
      at = this.#writeString(out, at, HeaderMutationField.removeHeaders, name);
    return at;
  }

  #writeCommon(out: Uint8Array, at: number, c: CommonResponse): number {
    if (c.status !== 0) at = writeVarintField(out, at, CommonResponseField.status, c.status);
    if (c.headerMutation !== undefined) {
      at = writeTag(out, at, CommonResponseField.headerMutation, this.#take());
      at = this.#writeMutation(out, at, c.headerMutation);
    }
    if (c.bodyMutation !== undefined) {
      at = writeTag(out, at, CommonResponseField.bodyMutation, bodyMutationSize(c.bodyMutation));
      at = writeBodyMutation(out, at, c.bodyMutation);
    }
    if (c.clearRouteCache) at = writeVarintField(out, at, CommonResponseField.clearRouteCache, 1);
    return at;
  }

  #writeStruct(out: Uint8Array, at: number, o: JsonObject): number {
    for (const key in o) {
      const v = o[key] as JsonValue;
      at = writeTag(out, at, StructField.fields, this.#take());
      at = this.#writeString(out, at, MapEntryField.key, key);
      at = writeTag(out, at, MapEntryField.value, this.#take());
      if (typeof v === "string") at = this.#writeString(out, at, ValueField.stringValue, v);
      else {
        at = writeTag(out, at, ValueField.structValue, this.#take());
        at = this.#writeStruct(out, at, v as JsonObject);
      }
    }
    return at;
  }
}
