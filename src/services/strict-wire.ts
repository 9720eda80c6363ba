/**
 * How the API reads request messages, stricter than Connect's defaults: a push is state every later pick
 * trusts, so what the router cannot read exactly is refused, naming the field. Unknown JSON keys are
 * refused (Connect ignores them by default: a misspelt metric would read as 0 and make a busy pod look
 * idle); integers written as JSON strings must be decimal (protobuf-es reads "0x10" as 16); the JSON
 * text must be valid UTF-8. Binary messages keep protobuf's rule (unknown field numbers are skipped), but a
 * message that does not decode is InvalidArgument on every protocol, not Connect's Internal
 * ({@link refuseMalformedBinary}).
 */
import {
  type DescField,
  type DescMessage,
  type DescService,
  fromBinary,
  fromJson,
  type JsonValue,
  ScalarType,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalHandlerOptions,
  UniversalServerRequest,
} from "@connectrpc/connect/protocol";
import { fieldPath, renderValue } from "../core/field-error.js";

const INTEGER_TYPES = new Set<ScalarType>([
  ScalarType.INT32,
  ScalarType.INT64,
  ScalarType.UINT32,
  ScalarType.UINT64,
  ScalarType.SINT32,
  ScalarType.SINT64,
  ScalarType.FIXED32,
  ScalarType.FIXED64,
  ScalarType.SFIXED32,
  ScalarType.SFIXED64,
]);
const DECIMAL_INTEGER = /^-?\d+$/;
const DECIMAL_NUMBER = /^(-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|NaN|-?Infinity)$/;

/**
 * Handler options for one method (pass to `router.rpc(method, impl, strictWireOptions(method.input))`):
 * unknown JSON keys refused, numbers and well-known types checked as {@link checkJsonFields}.
 * `alwaysEmitImplicit` spells zero values out in JSON answers.
 */
export function strictWireOptions(
  input: DescMessage,
  alwaysEmitImplicit = false,
): Partial<UniversalHandlerOptions> {
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const textDecoder = {
    decode(bytes?: Uint8Array): string {
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        throw new ConnectError("request: the JSON body is not valid UTF-8", Code.InvalidArgument);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return text; // protobuf-es words the syntax error
      }
      checkJsonFields(input, json);
      return text;
    },
  };
  // `textDecoder` is read by Connect's JSON serialization though its handler options type omits it.
  const jsonOptions = { alwaysEmitImplicit, ignoreUnknownFields: false, textDecoder };
  return { jsonOptions };
}

/**
 * Refuses a JSON string in a numeric field unless it is a plain decimal number (protobuf's JSON form
 * allows quoted numbers; protobuf-es would also read hex, binary and padded forms), and a well-known type
 * (a Timestamp's RFC 3339 string) protobuf-es cannot read, naming the field (protobuf-es names only the
 * type: "cannot decode message google.protobuf.Timestamp").
 * @throws ConnectError(InvalidArgument) naming the field and the value.
 */
export function checkJsonFields(desc: DescMessage, json: unknown, path: PropertyKey[] = []): void {
  if (desc.typeName.startsWith("google.protobuf.")) {
    if (path.length === 0) return;
    try {
      fromJson(desc, json as JsonValue);
    } catch (e) {
      const reason = (e as Error).message.replace(/^cannot decode message [\w.]+ from JSON: /, "");
      throw new ConnectError(
        `${fieldPath(path)}: ${renderValue(json)} is not a valid ${desc.typeName} (${reason})`,
        Code.InvalidArgument,
      );
    }
    return;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return;
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (field) checkField(field, value, [...path, key]);
  }
}

function checkField(field: DescField, value: unknown, path: PropertyKey[]): void {
  switch (field.fieldKind) {
    case "scalar":
      checkScalar(field.scalar, value, path);
      return;
    case "message":
      checkJsonFields(field.message, value, path);
      return;
    case "list":
      if (!Array.isArray(value)) return;
      value.forEach((v, i) => {
        if (field.listKind === "scalar") checkScalar(field.scalar, v, [...path, i]);
        else if (field.listKind === "message") checkJsonFields(field.message, v, [...path, i]);
      });
      return;
    case "map":
      if (value === null || typeof value !== "object") return;
      for (const [k, v] of Object.entries(value)) {
        if (field.mapKind === "scalar") checkScalar(field.scalar, v, [...path, k]);
        else if (field.mapKind === "message") checkJsonFields(field.message, v, [...path, k]);
      }
      return;
    default:
      return;
  }
}

function checkScalar(type: ScalarType, value: unknown, path: PropertyKey[]): void {
  if (typeof value !== "string") return;
  const integer = INTEGER_TYPES.has(type);
  if (!integer && type !== ScalarType.DOUBLE && type !== ScalarType.FLOAT) return;
  if ((integer ? DECIMAL_INTEGER : DECIMAL_NUMBER).test(value)) return;
  throw new ConnectError(
    `${fieldPath(path)}: ${renderValue(value)} must be a decimal ${integer ? "integer" : "number"}`,
    Code.InvalidArgument,
  );
}

/**
 * Largest binary message {@link refuseMalformedBinary} checks, in bytes; a bigger one passes unchecked to
 * Connect, whose own limit (RouterConfig `limits.maxMessageBytes`, 4 MiB by default) refuses it.
 */
export const MAX_CHECKED_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Registers every method of `service` on `router` with {@link strictWireOptions} and
 * {@link refuseMalformedBinary}: what `router.service(service, impl)` does, read strictly.
 */
export function registerStrict<S extends DescService>(
  router: ConnectRouter,
  service: S,
  impl: ServiceImpl<S>,
  alwaysEmitImplicit = false,
): void {
  for (const method of service.methods) {
    router.rpc(
      method,
      impl[method.localName as keyof ServiceImpl<S>] as never,
      strictWireOptions(method.input, alwaysEmitImplicit),
    );
    // ConnectRouter has no hook between the bytes and its decoder: wrap the handler rpc() just added.
    const last = router.handlers.length - 1;
    router.handlers[last] = refuseMalformedBinary(router.handlers[last]!, method.input);
  }
}

/**
 * Wraps a method's handler so that a binary request message that does not decode is refused with
 * InvalidArgument naming the message type and the decoder's reason, on Connect (`application/proto`,
 * `application/connect+proto`), gRPC and gRPC-Web. Connect answers such a message with Internal (its
 * binary serialization hard-codes that code), which tells a client the router failed when the client did.
 * Each message is decoded once more here before Connect decodes it; compressed messages pass unchecked.
 */
export function refuseMalformedBinary(handler: UniversalHandler, input: DescMessage): UniversalHandler {
  const checked = (req: UniversalServerRequest) => {
    const type = (req.header.get("content-type") ?? "").toLowerCase();
    const body = req.body;
    if (!isByteStream(body)) return handler(req);
    const check = (bytes: Uint8Array) => {
      try {
        fromBinary(input, bytes);
      } catch (e) {
        throw new ConnectError(
          `request: not a valid ${input.typeName} message (${(e as Error).message})`,
          Code.InvalidArgument,
        );
      }
    };
    // Exact media types (parameters allowed): "application/grpc-web-text" is base64, not envelopes.
    if (/^application\/proto\s*(;|$)/.test(type)) {
      const encoding = req.header.get("content-encoding");
      if (encoding !== null && encoding !== "identity") return handler(req);
      return handler({ ...req, body: checkWhole(body, check) });
    }
    if (/^application\/(connect\+proto|grpc|grpc\+proto|grpc-web|grpc-web\+proto)\s*(;|$)/.test(type)) {
      return handler({ ...req, body: checkEnvelopes(body, check) });
    }
    return handler(req);
  };
  return Object.assign(checked, {
    protocolNames: handler.protocolNames,
    supportedContentType: handler.supportedContentType,
    allowedMethods: handler.allowedMethods,
    requestPath: handler.requestPath,
    service: handler.service,
    method: handler.method,
  });
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** A unary Connect body: held until complete (it is one message), checked, then handed on whole. */
async function* checkWhole(
  body: AsyncIterable<Uint8Array>,
  check: (bytes: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let held: Uint8Array = new Uint8Array(0);
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    held = concat(held, r.value);
    if (held.byteLength > MAX_CHECKED_MESSAGE_BYTES) {
      yield held;
      yield* { [Symbol.asyncIterator]: () => it };
      return;
    }
  }
  check(held);
  yield held;
}

/**
 * An enveloped body (5-byte header: flags, big-endian length; then the message): bytes are handed on
 * up to the end of the last complete envelope that passed the check.
 */
async function* checkEnvelopes(
  body: AsyncIterable<Uint8Array>,
  check: (bytes: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let held: Uint8Array = new Uint8Array(0);
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    held = concat(held, r.value);
    let at = 0;
    while (held.byteLength - at >= 5) {
      const flags = held[at]!;
      const length = new DataView(held.buffer, held.byteOffset + at + 1, 4).getUint32(0);
      if (length > MAX_CHECKED_MESSAGE_BYTES) {
        yield held;
        yield* { [Symbol.asyncIterator]: () => it };
        return;
      }
      if (held.byteLength - at - 5 < length) break;
      // 0x01 compressed, 0x02 Connect end-of-stream, 0x80 gRPC-Web trailers: not a request message.
      if ((flags & 0x83) === 0) check(held.subarray(at + 5, at + 5 + length));
      at += 5 + length;
    }
    if (at > 0) {
      yield held.subarray(0, at);
      held = held.subarray(at);
    }
  }
  if (held.byteLength > 0) yield held;
}
