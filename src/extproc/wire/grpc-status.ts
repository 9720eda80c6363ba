/**
 * How the ext_proc service answers in gRPC terms: the status codes it uses, the error that carries
 * one, the grpc-message encoding, and which calls it accepts (gRPC over HTTP/2, "PROTOCOL-HTTP2.md").
 */

/** gRPC status codes used by the ext_proc service (numbers from grpc's status codes). */
export const GrpcStatus = {
  OK: 0,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
} as const;

/** A gRPC status the call ends with (`code` goes to grpc-status, `message` to grpc-message). */
export class GrpcStatusError extends Error {
  override readonly name = "GrpcStatusError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The one method served. */
export const EXTPROC_PATH = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";

/** The request headers `refuseCall` looks at (HTTP/2 pseudo-headers by their wire names). */
export interface CallHeaders {
  ":method"?: string | undefined;
  ":path"?: string | undefined;
  "content-type"?: string | undefined;
}

/** Why a call is refused before any message: HTTP status, gRPC status and message for the trailers. */
export interface CallRefusal {
  httpStatus: number;
  grpcStatus: number;
  message: string;
}

/**
 * Undefined when `h` is a gRPC call of ExternalProcessor/Process; else the answer gRPC asks for: a
 * content-type that is not application/grpc gets HTTP 415 (so a plain HTTP client does not read a
 * 200 as success), a method other than POST 405, and any other path a gRPC UNIMPLEMENTED.
 */
export function refuseCall(h: CallHeaders): CallRefusal | undefined {
  const contentType = h["content-type"] ?? "";
  if (!isGrpcContentType(contentType)) {
    const message = `content-type ${JSON.stringify(contentType)} is not application/grpc`;
    return { httpStatus: 415, grpcStatus: GrpcStatus.INTERNAL, message };
  }
  const method = h[":method"] ?? "";
  if (method !== "POST") {
    return { httpStatus: 405, grpcStatus: GrpcStatus.INTERNAL, message: `method ${method} is not POST` };
  }
  const path = h[":path"] ?? "";
  if (path !== EXTPROC_PATH) {
    const message = `unknown method ${path}: this server serves only ${EXTPROC_PATH}`;
    return { httpStatus: 200, grpcStatus: GrpcStatus.UNIMPLEMENTED, message };
  }
  return undefined;
}

/** "application/grpc", alone or followed by "+proto"-style subtype or ";" parameters. */
function isGrpcContentType(v: string): boolean {
  if (!v.startsWith("application/grpc")) return false;
  const next = v.charCodeAt(16);
  return Number.isNaN(next) || next === 0x2b /* + */ || next === 0x3b /* ; */;
}

const utf8 = new TextEncoder();
const HEX = "0123456789ABCDEF";

/**
 * The grpc-message header value for `text`: UTF-8, with every byte outside printable ASCII
 * (0x20-0x7E) and "%" itself written as %XX, as gRPC specifies.
 */
export function encodeGrpcMessage(text: string): string {
  let out = "";
  for (const b of utf8.encode(text)) {
    if (b >= 0x20 && b <= 0x7e && b !== 0x25) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}
