/** Envoy header maps in and out: values arrive in `raw_value` (bytes); we read it, falling back to `value`. */
import {
  type HeaderMap,
  type HeaderValueOption,
  HeaderValueOption_HeaderAppendAction,
} from "../gen/envoy/config/core/v3/base_pb.js";
import type { HeaderView } from "../request/headers.js";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Headers of one message by lower-case name (a repeated name keeps its values joined with ","). */
export function headersFromMap(map: HeaderMap | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!map) return out;
  for (const h of map.headers) {
    const key = h.key.toLowerCase();
    const value = h.rawValue.length > 0 ? decoder.decode(h.rawValue) : h.value;
    const prev = out.get(key);
    out.set(key, prev === undefined ? value : `${prev},${value}`);
  }
  return out;
}

/** A HeaderView over a header map, with the client-supplied system headers hidden. */
export function headerView(headers: ReadonlyMap<string, string>, hidden: readonly string[]): HeaderView {
  return {
    get(name) {
      const key = name.toLowerCase();
      return hidden.includes(key) ? null : (headers.get(key) ?? null);
    },
  };
}

/**
 * UTF-8 bytes of a header value. A short ASCII value is copied by hand into a typed array that V8
 * keeps inside its heap (64 bytes or less); TextEncoder gives every value an ArrayBuffer of its own,
 * which the young-generation GC then has to free one by one.
 */
function valueBytes(value: string): Uint8Array {
  if (value.length > 64) return encoder.encode(value);
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return encoder.encode(value);
    out[i] = c;
  }
  return out;
}

/** A header to set, overwriting any value the request already has, value in `raw_value`. */
export function setHeader(key: string, value: string): HeaderValueOption {
  // A literal, not `create`: one per header of every pick (see replies.ts; tested against create).
  return {
    $typeName: "envoy.config.core.v3.HeaderValueOption",
    header: { $typeName: "envoy.config.core.v3.HeaderValue", key, value: "", rawValue: valueBytes(value) },
    appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
    keepEmptyValue: false,
  };
}
